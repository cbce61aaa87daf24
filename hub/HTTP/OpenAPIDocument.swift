/// The OpenAPI 3 description of the hub's HTTP API, served at `GET /openapi.json` and kept in
/// docs/openapi.json (a test checks that the two are the same).
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Baogong hub API",
    "version": "1.2.0",
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
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}, "change": {"type": "integer"},
        "hub_time": {"type": "integer", "format": "int64", "description": "with clock_ahead: the hub's wall clock, Unix ms"}}}}},
      "Change": {"type": "object", "required": ["s", "k", "t"], "properties": {
        "s": {"type": "string", "description": "record set", "enum": ["stock", "checkpoint", "incident", "store_status", "catalog", "stores", "notices", "need", "offer", "match", "match_answer", "pass_key", "pass_revocation", "pass", "delivery", "delivery_quantity"]},
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
        "hub_time": {"type": "integer", "format": "int64", "description": "the hub's wall clock, Unix ms"},
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
        "price_min": {"type": "number", "nullable": true}, "price_median": {"type": "number", "nullable": true}, "price_max": {"type": "number", "nullable": true}}},
      "MatchRecord": {"type": "object", "properties": {
        "id": {"type": "string"}, "need": {"type": "string"}, "offer": {"type": "string"}, "store": {"type": "string"},
        "supplier": {"type": "string"}, "commodity": {"type": "string"}, "variety": {"type": "string", "nullable": true},
        "quantity": {"type": "number"}, "unit": {"type": "string"},
        "status": {"type": "string", "enum": ["confirmed", "accepted", "declined", "delivered", "cancelled"]},
        "posted_at": {"type": "string", "nullable": true}, "confirmed_at": {"type": "string"}, "received": {"type": "number", "nullable": true},
        "closed_at": {"type": "string", "nullable": true}, "reason": {"type": "string", "nullable": true},
        "minutes_to_match": {"type": "number", "nullable": true}}},
      "MatchSuggestion": {"type": "object", "properties": {
        "need": {"type": "string"}, "offer": {"type": "string"}, "store": {"type": "string"}, "supplier": {"type": "string"},
        "commodity": {"type": "string"}, "variety": {"type": "string", "nullable": true}, "quantity": {"type": "number"},
        "unit": {"type": "string"}, "reason": {"type": "string"}, "need_by": {"type": "string", "nullable": true},
        "urgency_days": {"type": "number"}, "transport_days": {"type": "integer"}, "arrives_in_time": {"type": "boolean"}}},
      "Posting": {"type": "object", "description": "An open need or offer with what is allocated of it", "properties": {
        "id": {"type": "string"}, "store": {"type": "string"}, "commodity": {"type": "string"}, "variety": {"type": "string", "nullable": true},
        "quantity": {"type": "number"}, "allocated": {"type": "number"}, "remaining": {"type": "number"},
        "by": {"type": "string", "nullable": true}, "until": {"type": "string", "nullable": true}, "location": {"type": "string", "nullable": true},
        "price": {"type": "number", "nullable": true}, "note": {"type": "string", "nullable": true},
        "posted_at": {"type": "string", "nullable": true}, "status": {"type": "string", "enum": ["open", "cancelled"]}}},
      "Pass": {"type": "object", "properties": {
        "id": {"type": "string"}, "code": {"type": "string", "description": "BGP1.<payload>.<Ed25519 signature>, base64url"},
        "store": {"type": "string"}, "plate": {"type": "string"}, "driver": {"type": "string", "nullable": true},
        "cargo": {"type": "string", "nullable": true}, "route": {"type": "string", "nullable": true},
        "valid_from": {"type": "string", "format": "date"}, "valid_to": {"type": "string", "format": "date"},
        "issued_at": {"type": "string"}, "revoked_at": {"type": "string", "nullable": true}, "reason": {"type": "string", "nullable": true}}},
      "Deliveries": {"type": "object", "properties": {
        "from": {"type": "string", "nullable": true}, "to": {"type": "string", "nullable": true},
        "orders": {"type": "integer"}, "served": {"type": "integer"}, "revenue": {"type": "number", "description": "yuan"},
        "vehicles": {"type": "integer"}, "staff": {"type": "integer"}, "groups": {"type": "integer"},
        "quantities": {"type": "object", "additionalProperties": {"type": "number"}},
        "by_store": {"type": "array", "items": {"type": "object"}}, "by_day": {"type": "array", "items": {"type": "object"}}}},
      "MatchingStats": {"type": "object", "properties": {
        "from": {"type": "string", "nullable": true}, "to": {"type": "string", "nullable": true},
        "needs_open": {"type": "integer"}, "offers_open": {"type": "integer"}, "matches": {"type": "integer"},
        "delivered": {"type": "object", "additionalProperties": {"type": "number"}, "description": "commodity → quantity in the catalog unit"},
        "minutes_to_match_p50": {"type": "number", "nullable": true}, "minutes_to_match_p90": {"type": "number", "nullable": true}}}
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
    "/v1/records/{set}": {"get": {"summary": "Current values of a record set, in change-log order (page with after = the last row's seq)", "security": [{"operatorToken": []}],
      "parameters": [{"name": "set", "in": "path", "required": true, "schema": {"type": "string", "enum": ["stock", "checkpoint", "incident", "store_status", "catalog", "stores", "notices", "need", "offer", "match", "match_answer", "pass_key", "pass_revocation", "pass", "delivery", "delivery_quantity"]}},
        {"name": "store", "in": "query", "schema": {"type": "string"}}, {"$ref": "#/components/parameters/date"},
        {"name": "after", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 10000}}],
      "responses": {"200": {"description": "One object per record: `key`, the key parts by name, every field of the set (null when never written) and `seq`",
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "required": ["key", "seq"], "properties": {
          "key": {"type": "string"}, "seq": {"type": "integer", "format": "int64"}},
          "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": true}}}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
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
    "/v1/matching/needs": {"get": {"summary": "Open needs with quantity left, most urgent first", "security": [{"operatorToken": []}],
      "responses": {"200": {"description": "needs", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Posting"}}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/matching/offers": {"get": {"summary": "Open, unexpired offers with quantity left", "security": [{"operatorToken": []}],
      "responses": {"200": {"description": "offers", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Posting"}}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/matching/suggestions": {"get": {"summary": "Open needs paired with open offers, ranked (docs/views.md)", "security": [{"operatorToken": []}],
      "responses": {"200": {"description": "pairs", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/MatchSuggestion"}}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/matching/matches": {"get": {"summary": "Matches, newest first", "security": [{"operatorToken": []}],
      "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["confirmed", "accepted", "declined", "delivered", "cancelled"]}}],
      "responses": {"200": {"description": "matches", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/MatchRecord"}}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/matching/stats": {"get": {"summary": "Open needs and offers, matches, deliveries and time to match", "security": [{"operatorToken": []}],
      "parameters": [{"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}}, {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
      "responses": {"200": {"description": "stats", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchingStats"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/matching/confirm": {"post": {"summary": "Allocate a quantity of an offer to a need (dispatcher or admin; a browser session also sends X-CSRF-Token)",
      "security": [{"operatorToken": []}, {"session": []}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["need", "offer", "quantity"], "properties": {
        "need": {"type": "string", "description": "id or SITE/id"}, "offer": {"type": "string", "description": "id or SITE/id"},
        "quantity": {"type": "number", "exclusiveMinimum": true, "minimum": 0}, "unit": {"type": "string", "description": "default: the catalog unit"}}}}}},
      "responses": {"201": {"description": "the match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchRecord"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"description": "over_allocated or not_open; nothing was written", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    "/v1/matching/matches/{id}/cancel": {"post": {"summary": "Cancel an open match, releasing its quantity (dispatcher or admin)",
      "security": [{"operatorToken": []}, {"session": []}],
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}},
      "responses": {"200": {"description": "the match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchRecord"}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
    "/matching/confirm": {"post": {"summary": "The dashboard's confirm form (dispatcher or admin, with the session's CSRF token)", "security": [{"session": []}],
      "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        "need": {"type": "string"}, "offer": {"type": "string"}, "quantity": {"type": "string"}, "csrf": {"type": "string"}, "lang": {"type": "string"}}}}}},
      "responses": {"303": {"description": "back to the dashboard's matching panel"}, "403": {"description": "role or CSRF token refused (HTML)"},
        "409": {"description": "over-allocated (HTML); nothing was written"}}}},
    "/v1/passes": {"get": {"summary": "Green-channel passes, revoked or not", "security": [{"operatorToken": []}],
      "responses": {"200": {"description": "passes", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pass"}}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/v1/passes/{id}": {"get": {"summary": "One pass", "security": [{"operatorToken": []}],
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"description": "the pass", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pass"}}}},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/passes/{id}": {"get": {"summary": "A printable pass (HTML): plate, validity, the code as a QR code in SVG", "security": [{"operatorToken": []}, {"session": []}],
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}],
      "responses": {"200": {"description": "HTML page"}, "303": {"description": "to /login"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/v1/views/deliveries": {"get": {"summary": "Online orders and deliveries over a period; vehicles, staff and groups are each store's largest, summed", "security": [{"operatorToken": []}],
      "parameters": [{"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}}, {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
      "responses": {"200": {"description": "totals", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deliveries"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
    "/": {"get": {"summary": "Dashboard (HTML)", "security": [{"operatorToken": []}, {"session": []}], "parameters": [{"$ref": "#/components/parameters/date"},
      {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"]}}], "responses": {"200": {"description": "HTML page"}, "303": {"description": "to /login"}}}},
    "/login/session/{id}": {"get": {"summary": "Single-use sign-in link (10 minutes): spends the code, sets the cookie of a fresh session and redirects to /",
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
