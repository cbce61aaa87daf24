/// The OpenAPI 3 description of the hub's HTTP API, served at `GET /openapi.json` and kept in
/// docs/openapi.json (a test checks that the two are the same).
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Baogong hub API",
    "version": "1.0.0",
    "description": "County hub of Baogong (保供): store agents sync conflict-free record sets; operators read county views. Errors are {\"error\": {\"code\", \"message\", \"field\"?, \"change\"?}}."
  },
  "servers": [{"url": "http://127.0.0.1:8080"}],
  "components": {
    "securitySchemes": {
      "storeToken": {"type": "http", "scheme": "bearer", "description": "A store token (s.<store>.<secret>), printed once by `baogong-hub stores add`."},
      "operatorToken": {"type": "http", "scheme": "bearer", "description": "An operator token (o.<id>.<secret>), printed once by `baogong-hub operators add`."},
      "session": {"type": "apiKey", "in": "cookie", "name": "baogong_session"}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}, "change": {"type": "integer"}}}}},
      "Change": {"type": "object", "required": ["s", "k", "t"], "properties": {
        "s": {"type": "string", "description": "record set", "enum": ["stock", "checkpoint", "incident", "store_status", "catalog", "stores", "notices"]},
        "k": {"type": "string", "description": "record key, parts separated by /"},
        "t": {"type": "integer", "format": "int64", "description": "hybrid logical clock: ms << 16 | counter"},
        "r": {"type": "string", "description": "replica; omitted inside a batch from that replica"},
        "f": {"type": "object", "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": true}, "description": "last-writer-wins fields"},
        "c": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "description": "counter slot totals of the writer"},
        "d": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "description": "decrement slot totals of the writer"}}},
      "SyncRequest": {"type": "object", "required": ["protocol", "schema", "store", "replica", "cursor", "upto", "pending", "sent_at", "changes"], "properties": {
        "protocol": {"type": "integer", "enum": [1]}, "schema": {"type": "integer", "minimum": 1},
        "store": {"type": "string"}, "replica": {"type": "string"},
        "cursor": {"type": "integer", "format": "int64"}, "upto": {"type": "integer", "format": "int64"},
        "acked": {"type": "integer", "format": "int64", "description": "what the agent believes the hub has acknowledged"},
        "pending": {"type": "integer", "format": "int64"}, "sent_at": {"type": "integer", "format": "int64"},
        "changes": {"type": "array", "maxItems": 20000, "items": {"$ref": "#/components/schemas/Change"}}}},
      "SyncResponse": {"type": "object", "required": ["protocol", "schema", "acked", "cursor", "more", "merged", "changes"], "properties": {
        "protocol": {"type": "integer"}, "schema": {"type": "integer"}, "acked": {"type": "integer", "format": "int64"},
        "cursor": {"type": "integer", "format": "int64"}, "more": {"type": "boolean"}, "merged": {"type": "integer"},
        "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}}}},
      "FleetStatusRow": {"type": "object", "properties": {
        "store": {"type": "string"}, "name": {"type": "string"}, "replica": {"type": "string", "nullable": true},
        "last_heard_at": {"type": "string", "nullable": true}, "acked_seq": {"type": "integer"},
        "pending_reported": {"type": "integer"}, "stale": {"type": "boolean"}, "clock_skew_ms": {"type": "integer"},
        "future_changes": {"type": "integer"}, "revoked": {"type": "boolean"}}},
      "CommoditySupply": {"type": "object", "properties": {
        "commodity": {"type": "string"}, "name_en": {"type": "string"}, "name_zh": {"type": "string"}, "unit": {"type": "string"},
        "on_hand": {"type": "number"}, "avg_daily_sales": {"type": "number"}, "days_of_supply": {"type": "number", "nullable": true},
        "min_days": {"type": "integer"}, "band": {"type": "string", "enum": ["stock_out", "critical", "at_risk", "adequate", "overstocked", "no_data"]},
        "stores_reporting": {"type": "integer"}, "stores_expected": {"type": "integer"}, "stores_at_risk": {"type": "integer"},
        "price_min": {"type": "number", "nullable": true}, "price_median": {"type": "number", "nullable": true}, "price_max": {"type": "number", "nullable": true}}}
    },
    "responses": {
      "Error": {"description": "Refused; nothing was written", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "parameters": {
      "date": {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "YYYY-MM-DD; default: the latest reported date"}
    }
  },
  "paths": {
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "ok"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format"}}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}},
    "/v1/sync": {"post": {"summary": "One-round-trip sync of a store replica (bodies may be gzip: Content-Encoding / Accept-Encoding)", "security": [{"storeToken": []}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncRequest"}}}},
      "responses": {"200": {"description": "Merged", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncResponse"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"},
        "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"},
        "422": {"$ref": "#/components/responses/Error"}}}},
    "/v1/stores": {"get": {"summary": "Enrolled stores", "security": [{"operatorToken": []}], "responses": {"200": {"description": "stores"}, "401": {"$ref": "#/components/responses/Error"}}}},
    "/v1/status": {"get": {"summary": "Fleet sync status", "security": [{"operatorToken": []}], "responses": {"200": {"description": "rows",
      "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/FleetStatusRow"}}}}}, "401": {"$ref": "#/components/responses/Error"}}}},
    "/v1/records/{set}": {"get": {"summary": "Current values of a record set", "security": [{"operatorToken": []}],
      "parameters": [{"name": "set", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "store", "in": "query", "schema": {"type": "string"}}, {"$ref": "#/components/parameters/date"},
        {"name": "after", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10000}}],
      "responses": {"200": {"description": "records"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/views/supply": {"get": {"summary": "County supply per commodity and per store", "security": [{"operatorToken": []}],
      "parameters": [{"$ref": "#/components/parameters/date"}, {"name": "unit", "in": "query", "schema": {"type": "string", "enum": ["kg", "jin"]}}],
      "responses": {"200": {"description": "supply view", "content": {"application/json": {"schema": {"type": "object", "properties": {
        "date": {"type": "string"}, "commodities": {"type": "array", "items": {"$ref": "#/components/schemas/CommoditySupply"}},
        "stores": {"type": "array", "items": {"type": "object"}}, "price_alerts": {"type": "array", "items": {"type": "object"}}}}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/views/alerts": {"get": {"summary": "Alerts of a date", "security": [{"operatorToken": []}], "parameters": [{"$ref": "#/components/parameters/date"}], "responses": {"200": {"description": "alerts"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/views/checkpoints": {"get": {"summary": "Checkpoint totals and disinfection compliance", "security": [{"operatorToken": []}], "parameters": [{"$ref": "#/components/parameters/date"}], "responses": {"200": {"description": "totals"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/views/reporting": {"get": {"summary": "Expected, reported, missing, late and stale stores", "security": [{"operatorToken": []}], "parameters": [{"$ref": "#/components/parameters/date"}], "responses": {"200": {"description": "reporting"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/views/stores": {"get": {"summary": "Store status history", "security": [{"operatorToken": []}], "parameters": [{"$ref": "#/components/parameters/date"}], "responses": {"200": {"description": "history"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/": {"get": {"summary": "Dashboard (HTML)", "security": [{"operatorToken": []}, {"session": []}], "parameters": [{"$ref": "#/components/parameters/date"},
      {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}], "responses": {"200": {"description": "HTML page"}, "303": {"description": "to /login"}}}},
    "/login/session/{id}": {"get": {"summary": "Sign-in link: sets the session cookie of an existing session and redirects to /",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}, {"$ref": "#/components/parameters/date"}],
      "responses": {"303": {"description": "to /"}, "401": {"description": "unknown or expired session"}}}},
    "/login": {"get": {"summary": "Sign-in form", "responses": {"200": {"description": "HTML"}}},
      "post": {"summary": "Sign in with an operator token; sets the session cookie", "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"token": {"type": "string"}}}}}},
        "responses": {"303": {"description": "to /"}, "401": {"description": "token refused"}}}}
  }
}
"""#
}
