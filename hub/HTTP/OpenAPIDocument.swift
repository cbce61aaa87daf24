/// The OpenAPI 3 description of the hub's HTTP API, served at `GET /openapi.json` and kept in
/// docs/openapi.json (a test checks that the two are the same).
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Baogong hub API",
    "version": "1.3.0",
    "description": "County hub of Baogong (保供): store agents sync conflict-free record sets; operators read county views. Every refusal is {\"error\": {\"code\", \"message\", \"field\"?, \"change\"?}} with a 4xx status. A path asked with a method it does not list is 405 method_not_allowed with an Allow header; an unknown path is 404. Dates are YYYY-MM-DD, real days from 1900-01-01 to 2999-12-31."
  },
  "servers": [{"url": "http://127.0.0.1:8080"}],
  "components": {
    "securitySchemes": {
      "storeToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A store token (s.<store>.<secret>), printed once by `baogong-hub stores add`."
      },
      "countyToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A county hub's token at its city hub (c.<county>.<secret>), printed once by `baogong-hub counties add`."
      },
      "operatorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An operator token (o.<id>.<secret>), printed once by `baogong-hub operators add`."
      },
      "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "baogong_session",
        "description": "The dashboard's session, from POST /login or a sign-in link."
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
          "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
              "code": {
                "type": "string",
                "description": "machine-readable: bad_request, invalid_parameter, missing_parameter, malformed_json, malformed_form, unauthorized, forbidden, cross_site, csrf, not_found, method_not_allowed, exists, over_allocated, not_open, schema_too_new, clock_ahead, payload_too_large, batch_too_large, unsupported_media_type, unsupported_encoding, unsupported_protocol, bad_schema, bad_encoding, invalid_change, too_many_sign_ins, busy"
              },
              "message": {"type": "string"},
              "field": {"type": "string"},
              "change": {"type": "integer", "minimum": 0, "description": "index of the refused change in the batch"},
              "hub_time": {"type": "integer", "format": "int64", "description": "with clock_ahead: the hub's wall clock, Unix ms"}
            },
            "additionalProperties": false
          }
        },
        "additionalProperties": false
      },
      "Change": {
        "type": "object",
        "required": ["s", "k", "t"],
        "properties": {
          "s": {
            "type": "string",
            "description": "record set",
            "enum": [
              "stock",
              "checkpoint",
              "incident",
              "store_status",
              "catalog",
              "stores",
              "notices",
              "need",
              "offer",
              "match",
              "match_answer",
              "pass_key",
              "pass_revocation",
              "pass",
              "delivery",
              "delivery_quantity"
            ]
          },
          "k": {"type": "string", "description": "record key: the set's key parts separated by / (docs/design.md)"},
          "t": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "hybrid logical clock: ms << 16 | counter"
          },
          "r": {"type": "string", "nullable": true, "description": "replica; omitted inside a batch from that replica"},
          "f": {
            "type": "object",
            "nullable": true,
            "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": true},
            "description": "last-writer-wins fields"
          },
          "c": {
            "type": "object",
            "nullable": true,
            "additionalProperties": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
            "description": "counter slot totals of the writer"
          },
          "d": {
            "type": "object",
            "nullable": true,
            "additionalProperties": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
            "description": "decrement slot totals of the writer"
          }
        }
      },
      "SyncRequest": {
        "type": "object",
        "required": ["protocol", "schema", "store", "replica", "cursor", "upto", "pending", "sent_at", "changes"],
        "properties": {
          "protocol": {"type": "integer", "enum": [1]},
          "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": 2,
            "description": "the agent's schema version; one newer than the hub's is 409 schema_too_new"
          },
          "store": {"type": "string", "description": "the store of the token (else 403)"},
          "replica": {"type": "string", "description": "<store>.<suffix>, letters, digits, _ - . (1 to 64)"},
          "cursor": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "the hub change-log sequence the agent has applied"
          },
          "upto": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "the agent's sequence of the last change sent"
          },
          "acked": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "what the agent believes the hub has acknowledged",
            "nullable": true
          },
          "pending": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "local changes still waiting"
          },
          "sent_at": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "the agent's wall clock, Unix ms"
          },
          "changes": {"type": "array", "maxItems": 20000, "items": {"$ref": "#/components/schemas/Change"}}
        }
      },
      "UpstreamRequest": {
        "type": "object",
        "description": "A county hub's upward batch (docs/protocol.md, County and city hubs)",
        "required": ["protocol", "schema", "log", "cursor", "upto", "acked", "pending", "sent_at", "changes"],
        "properties": {
          "protocol": {"type": "integer", "enum": [1]},
          "schema": {"type": "integer", "minimum": 1, "maximum": 2},
          "county": {"type": ["string", "null"]},
          "log": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
          "cursor": {"type": "integer", "format": "int64", "minimum": 0},
          "upto": {"type": "integer", "format": "int64", "minimum": 0},
          "acked": {"type": "integer", "format": "int64", "minimum": 0},
          "pending": {"type": "integer", "format": "int64", "minimum": 0},
          "sent_at": {"type": "integer", "format": "int64", "minimum": 0},
          "changes": {"type": "array", "maxItems": 20000, "items": {"$ref": "#/components/schemas/Change"}},
          "stores": {
            "type": ["array", "null"],
            "items": {
              "type": "object", "required": ["id", "revoked"],
              "properties": {"id": {"type": "string"}, "revoked": {"type": "boolean"}}
            }
          },
          "approvals": {
            "type": ["array", "null"],
            "items": {
              "type": "object", "required": ["date", "approved_at"],
              "properties": {
                "date": {"type": "string"}, "approved_at": {"type": "integer", "format": "int64", "minimum": 0},
                "note": {"type": ["string", "null"]}, "withdrawn_at": {"type": ["integer", "null"], "format": "int64", "minimum": 0}
              }
            }
          }
        }
      },
      "UpstreamResponse": {
        "type": "object",
        "required": ["protocol", "county", "acked", "cursor", "more", "merged", "changes", "hub_time"],
        "properties": {
          "protocol": {"type": "integer"},
          "county": {"type": "string"},
          "acked": {"type": "integer", "format": "int64"},
          "cursor": {"type": "integer", "format": "int64"},
          "more": {"type": "boolean"},
          "merged": {"type": "integer"},
          "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
          "hub_time": {"type": "integer", "format": "int64"}
        }
      },
      "SupplyByCounty": {
        "type": "object",
        "required": ["date", "by", "rows", "total"],
        "properties": {
          "date": {"type": "string"},
          "by": {"type": "string", "enum": ["county"]},
          "rows": {"type": "array", "items": {"type": "object", "required": ["county", "county_name", "commodity", "on_hand"]}},
          "total": {"type": "array", "items": {"type": "object"}}
        }
      },
      "ReportingByCounty": {
        "type": "object",
        "required": ["date", "as_of", "deadline", "by", "rows", "total"],
        "properties": {
          "date": {"type": "string"},
          "as_of": {"type": "string"},
          "deadline": {"type": "string"},
          "by": {"type": "string", "enum": ["county"]},
          "rows": {"type": "array", "items": {"$ref": "#/components/schemas/CountyReportingRow"}},
          "total": {"$ref": "#/components/schemas/CountyReportingRow"}
        }
      },
      "CountyReportingRow": {
        "type": "object",
        "required": ["county", "name", "expected", "reported", "rate", "on_time", "late", "missing", "stale", "on_time_rate", "approved"],
        "properties": {
          "county": {"type": ["string", "null"]},
          "name": {"type": "string"},
          "expected": {"type": "integer"},
          "reported": {"type": "integer"},
          "rate": {"type": "number"},
          "on_time": {"type": "integer"},
          "late": {"type": "integer"},
          "missing": {"type": "integer"},
          "stale": {"type": "integer"},
          "on_time_rate": {"type": "number"},
          "approved": {"type": "boolean"},
          "approved_at": {"type": ["string", "null"]},
          "approval_note": {"type": ["string", "null"]},
          "last_sync_at": {"type": ["string", "null"]}
        }
      },
      "CheckpointsByCounty": {
        "type": "object",
        "required": ["date", "by", "rows", "total"],
        "properties": {
          "date": {"type": "string"},
          "by": {"type": "string", "enum": ["county"]},
          "rows": {"type": "array", "items": {"type": "object", "required": ["county", "county_name", "checked"]}},
          "total": {"$ref": "#/components/schemas/CheckpointView"}
        }
      },
      "AlertsByCounty": {
        "type": "object",
        "required": ["date", "by", "rows"],
        "properties": {
          "date": {"type": "string"},
          "by": {"type": "string", "enum": ["county"]},
          "rows": {"type": "array", "items": {"type": "object", "required": ["county", "county_name", "severity", "kind"]}}
        }
      },
      "SyncResponse": {
        "type": "object",
        "required": ["protocol", "schema", "acked", "cursor", "more", "merged", "changes"],
        "properties": {
          "protocol": {"type": "integer", "enum": [1]},
          "schema": {"type": "integer", "minimum": 1},
          "acked": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "cursor": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "more": {"type": "boolean"},
          "merged": {"type": "integer", "minimum": 0},
          "hub_time": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "the hub's wall clock, Unix ms"
          },
          "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}}
        }
      },
      "Store": {
        "type": "object",
        "required": ["id", "name", "created_at", "revoked"],
        "properties": {
          "id": {"type": "string"},
          "name": {"type": "string"},
          "township": {"type": "string", "nullable": true},
          "kind": {"type": "string", "enum": ["supermarket", "market", "mall", "supplier"], "nullable": true},
          "created_at": {"type": "string", "description": "ISO 8601 instant, UTC"},
          "revoked": {"type": "boolean"}
        }
      },
      "FleetStatusRow": {
        "type": "object",
        "required": ["store", "acked_seq", "pending_reported", "stale", "clock_skew_ms", "future_changes", "revoked"],
        "properties": {
          "store": {"type": "string"},
          "name": {"type": "string", "nullable": true},
          "replica": {"type": "string", "nullable": true},
          "last_heard_at": {"type": "string", "nullable": true, "description": "ISO 8601 instant, UTC"},
          "acked_seq": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "pending_reported": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "stale": {"type": "boolean"},
          "clock_skew_ms": {"type": "integer", "format": "int64"},
          "future_changes": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "revoked": {"type": "boolean"}
        }
      },
      "CommoditySupply": {
        "type": "object",
        "required": [
          "commodity",
          "name_en",
          "name_zh",
          "unit",
          "on_hand",
          "avg_daily_sales",
          "min_days",
          "band",
          "stores_reporting",
          "stores_expected",
          "stores_at_risk"
        ],
        "properties": {
          "commodity": {"type": "string"},
          "name_en": {"type": "string"},
          "name_zh": {"type": "string"},
          "unit": {"type": "string", "enum": ["kg", "jin", "L", "barrel", "bag", "case"]},
          "on_hand": {"type": "number"},
          "avg_daily_sales": {"type": "number"},
          "days_of_supply": {"type": "number", "nullable": true},
          "min_days": {"type": "integer", "minimum": 0},
          "band": {"type": "string", "enum": ["stock_out", "critical", "at_risk", "adequate", "overstocked", "no_data"]},
          "stores_reporting": {"type": "integer", "minimum": 0},
          "stores_expected": {"type": "integer", "minimum": 0},
          "stores_at_risk": {"type": "integer", "minimum": 0},
          "price_min": {"type": "number", "nullable": true},
          "price_median": {"type": "number", "nullable": true},
          "price_max": {"type": "number", "nullable": true}
        }
      },
      "StoreSupply": {
        "type": "object",
        "required": ["store", "commodity", "band", "reported_today", "lead_days"],
        "properties": {
          "store": {"type": "string"},
          "commodity": {"type": "string"},
          "on_hand": {"type": "number", "nullable": true},
          "avg_daily_sales": {"type": "number", "nullable": true},
          "days_of_supply": {"type": "number", "nullable": true},
          "band": {"type": "string", "enum": ["stock_out", "critical", "at_risk", "adequate", "overstocked", "no_data"]},
          "reported_today": {"type": "boolean"},
          "price": {"type": "number", "nullable": true},
          "lead_days": {"type": "integer", "minimum": 0}
        }
      },
      "PriceAlert": {
        "type": "object",
        "required": ["store", "commodity", "price", "reason"],
        "properties": {
          "store": {"type": "string"},
          "commodity": {"type": "string"},
          "price": {"type": "number"},
          "own_median": {"type": "number", "nullable": true},
          "county_median": {"type": "number", "nullable": true},
          "reason": {"type": "string"}
        }
      },
      "SupplyView": {
        "type": "object",
        "required": ["date", "commodities", "stores", "price_alerts"],
        "properties": {
          "date": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "unit": {"type": "string", "enum": ["kg", "jin"]},
          "commodities": {"type": "array", "items": {"$ref": "#/components/schemas/CommoditySupply"}},
          "stores": {"type": "array", "items": {"$ref": "#/components/schemas/StoreSupply"}},
          "price_alerts": {"type": "array", "items": {"$ref": "#/components/schemas/PriceAlert"}}
        }
      },
      "Alert": {
        "type": "object",
        "required": ["severity", "kind", "message", "message_zh"],
        "properties": {
          "severity": {"type": "string", "enum": ["critical", "warning", "info"]},
          "kind": {
            "type": "string",
            "enum": [
              "stock_out",
              "critical_supply",
              "at_risk_supply",
              "county_at_risk",
              "price",
              "missing_report",
              "late_report",
              "stale_store",
              "disinfection",
              "clock_skew",
              "post_need",
              "offer_expiring"
            ]
          },
          "store": {"type": "string"},
          "commodity": {"type": "string"},
          "message": {"type": "string"},
          "message_zh": {"type": "string"}
        }
      },
      "CheckpointTotals": {
        "type": "object",
        "required": ["checked", "refused_fever", "refused_no_mask", "staff_checked", "disinfections"],
        "properties": {
          "checked": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "refused_fever": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "refused_no_mask": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "staff_checked": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "disinfections": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807}
        }
      },
      "CheckpointView": {
        "type": "object",
        "required": [
          "date",
          "checked",
          "refused_fever",
          "refused_no_mask",
          "staff_checked",
          "disinfections",
          "required_disinfections",
          "compliant_stores",
          "reporting_stores",
          "open_stores",
          "non_compliant",
          "incidents",
          "stores"
        ],
        "properties": {
          "date": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "checked": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "refused_fever": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "refused_no_mask": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "staff_checked": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "disinfections": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "required_disinfections": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "compliant_stores": {"type": "integer", "minimum": 0},
          "reporting_stores": {"type": "integer", "minimum": 0},
          "open_stores": {"type": "integer", "minimum": 0},
          "non_compliant": {"type": "array", "items": {"type": "string"}},
          "incidents": {"type": "integer", "minimum": 0},
          "stores": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["store", "reported", "totals", "compliant"],
              "properties": {
                "store": {"type": "string"},
                "reported": {"type": "boolean"},
                "totals": {"$ref": "#/components/schemas/CheckpointTotals"},
                "compliant": {"type": "boolean"}
              }
            }
          }
        }
      },
      "ReportingView": {
        "type": "object",
        "required": ["date", "as_of", "deadline", "expected", "reported", "rate", "on_time", "on_time_rate", "missing", "late", "stale", "closed", "stores", "approved", "after_approval"],
        "properties": {
          "date": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "as_of": {"type": "string", "description": "ISO 8601 instant, UTC: now, or the deadline for a date whose deadline has passed"},
          "deadline": {"type": "string", "description": "ISO 8601 instant, UTC: a report for the date arriving later is late"},
          "expected": {"type": "integer", "minimum": 0},
          "reported": {"type": "integer", "minimum": 0},
          "rate": {"type": "number", "minimum": 0, "maximum": 1, "description": "completeness: reported / expected"},
          "on_time": {"type": "array", "items": {"type": "string"}},
          "on_time_rate": {"type": "number", "minimum": 0, "maximum": 1, "description": "timeliness: on time / expected"},
          "missing": {"type": "array", "items": {"type": "string"}},
          "late": {"type": "array", "items": {"type": "string"}},
          "stale": {"type": "array", "items": {"type": "string"}},
          "closed": {"type": "array", "items": {"type": "string"}},
          "approved": {"type": "boolean", "description": "the date's figures are signed off (baogong-hub approve)"},
          "approved_at": {"type": "string", "description": "ISO 8601 instant, UTC; present when approved"},
          "approval_note": {"type": "string"},
          "after_approval": {
            "type": "array",
            "description": "stores' writes for the date merged after its sign-off",
            "items": {
              "type": "object",
              "required": ["store", "set", "key", "seq", "time"],
              "properties": {
                "store": {"type": "string"},
                "set": {"type": "string", "enum": ["stock", "checkpoint"]},
                "key": {"type": "string"},
                "seq": {"type": "integer", "format": "int64"},
                "time": {"type": "string", "description": "ISO 8601 instant, UTC, by the writer's clock"}
              }
            }
          },
          "stores": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["store", "name", "kind", "expected", "reported", "late", "on_time", "late_because_offline", "stale"],
              "properties": {
                "store": {"type": "string"},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["supermarket", "market", "mall", "supplier"]},
                "expected": {"type": "boolean"},
                "reported": {"type": "boolean"},
                "late": {"type": "boolean"},
                "on_time": {"type": "boolean"},
                "late_because_offline": {"type": "boolean"},
                "stale": {"type": "boolean"},
                "received_at": {"type": "string", "description": "ISO 8601 instant, UTC"},
                "recorded_at": {"type": "string", "description": "ISO 8601 instant, UTC"},
                "last_heard_at": {"type": "string", "description": "ISO 8601 instant, UTC"}
              }
            }
          }
        }
      },
      "StoreHistory": {
        "type": "object",
        "required": ["store", "name", "open_on_date", "events"],
        "properties": {
          "store": {"type": "string"},
          "name": {"type": "string"},
          "open_on_date": {"type": "boolean"},
          "events": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["store", "state", "authority", "since", "timestamp"],
              "properties": {
                "store": {"type": "string"},
                "state": {"type": "string", "enum": ["open", "closed"]},
                "authority": {"type": "string", "enum": ["store", "authorised", "order"]},
                "reason": {"type": "string"},
                "since": {
                  "type": "string",
                  "format": "date",
                  "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
                },
                "timestamp": {
                  "type": "integer",
                  "format": "int64",
                  "minimum": 0,
                  "maximum": 9223372036854775807,
                  "description": "hybrid logical clock"
                }
              }
            }
          }
        }
      },
      "MatchRecord": {
        "type": "object",
        "required": [
          "id",
          "need",
          "offer",
          "store",
          "supplier",
          "commodity",
          "variety",
          "quantity",
          "unit",
          "status",
          "posted_at",
          "confirmed_at",
          "received",
          "closed_at",
          "reason",
          "minutes_to_match"
        ],
        "properties": {
          "id": {"type": "string"},
          "need": {"type": "string"},
          "offer": {"type": "string"},
          "store": {"type": "string"},
          "supplier": {"type": "string"},
          "commodity": {"type": "string"},
          "variety": {"type": "string", "nullable": true},
          "quantity": {"type": "number", "minimum": 0},
          "unit": {"type": "string", "enum": ["kg", "jin", "L", "barrel", "bag", "case"]},
          "status": {"type": "string", "enum": ["confirmed", "accepted", "declined", "delivered", "cancelled"]},
          "posted_at": {"type": "string", "nullable": true, "description": "ISO 8601 instant, UTC"},
          "confirmed_at": {"type": "string", "description": "ISO 8601 instant, UTC"},
          "received": {"type": "number", "nullable": true, "minimum": 0},
          "closed_at": {"type": "string", "nullable": true, "description": "ISO 8601 instant, UTC"},
          "reason": {"type": "string", "nullable": true},
          "minutes_to_match": {"type": "number", "nullable": true, "minimum": 0}
        }
      },
      "MatchSuggestion": {
        "type": "object",
        "required": [
          "need",
          "offer",
          "store",
          "supplier",
          "commodity",
          "quantity",
          "unit",
          "reason",
          "urgency_days",
          "transport_days",
          "arrives_in_time"
        ],
        "properties": {
          "need": {"type": "string"},
          "offer": {"type": "string"},
          "store": {"type": "string"},
          "supplier": {"type": "string"},
          "commodity": {"type": "string"},
          "variety": {"type": "string", "nullable": true},
          "quantity": {"type": "number", "minimum": 0},
          "unit": {"type": "string", "enum": ["kg", "jin", "L", "barrel", "bag", "case"]},
          "reason": {"type": "string"},
          "need_by": {"type": "string", "nullable": true},
          "urgency_days": {"type": "number"},
          "transport_days": {"type": "integer", "minimum": 0},
          "arrives_in_time": {"type": "boolean"}
        }
      },
      "Posting": {
        "type": "object",
        "required": ["id", "store", "commodity", "quantity", "allocated", "remaining", "status"],
        "properties": {
          "id": {"type": "string"},
          "store": {"type": "string"},
          "commodity": {"type": "string"},
          "variety": {"type": "string", "nullable": true},
          "quantity": {"type": "number", "minimum": 0},
          "allocated": {"type": "number", "minimum": 0},
          "remaining": {"type": "number", "minimum": 0},
          "by": {"type": "string", "nullable": true},
          "note": {"type": "string", "nullable": true},
          "until": {"type": "string", "nullable": true},
          "location": {"type": "string", "nullable": true},
          "price": {"type": "number", "nullable": true, "minimum": 0},
          "posted_at": {"type": "string", "nullable": true, "description": "ISO 8601 instant, UTC"},
          "status": {"type": "string", "enum": ["open", "cancelled"]}
        },
        "description": "An open need (with by, note) or offer (with until, location, price) and what is allocated of it"
      },
      "Pass": {
        "type": "object",
        "required": ["id", "code", "store", "plate", "valid_from", "valid_to", "issued_at"],
        "properties": {
          "id": {"type": "string"},
          "code": {"type": "string", "description": "BGP1.<payload>.<Ed25519 signature>, base64url"},
          "store": {"type": "string"},
          "plate": {"type": "string"},
          "driver": {"type": "string"},
          "cargo": {"type": "string"},
          "route": {"type": "string"},
          "valid_from": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "valid_to": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "issued_at": {"type": "string", "description": "ISO 8601 instant, UTC"},
          "revoked_at": {"type": "string", "description": "ISO 8601 instant, UTC"},
          "reason": {"type": "string"}
        }
      },
      "Deliveries": {
        "type": "object",
        "required": ["orders", "served", "revenue", "vehicles", "staff", "groups", "quantities", "by_store", "by_day"],
        "properties": {
          "from": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "to": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "orders": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "served": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "revenue": {"type": "number", "minimum": 0, "description": "yuan"},
          "vehicles": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "staff": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "groups": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
          "quantities": {"type": "object", "additionalProperties": {"type": "number"}},
          "by_store": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["store", "orders", "served", "revenue", "vehicles", "staff", "groups", "quantities"],
              "properties": {
                "store": {"type": "string"},
                "orders": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "served": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "revenue": {"type": "number", "minimum": 0},
                "vehicles": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "staff": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "groups": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "quantities": {"type": "object", "additionalProperties": {"type": "number"}},
                "townships": {"type": "string"}
              }
            }
          },
          "by_day": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["date", "orders", "served", "revenue"],
              "properties": {
                "date": {
                  "type": "string",
                  "format": "date",
                  "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
                },
                "orders": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "served": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807},
                "revenue": {"type": "number", "minimum": 0}
              }
            }
          }
        }
      },
      "RecordWrite": {
        "type": "object",
        "required": ["seq", "replica", "store", "time", "timestamp", "fields", "won"],
        "properties": {
          "seq": {
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "its position in the change log; null for a write that lost on every field when it arrived",
            "nullable": true
          },
          "replica": {"type": "string", "description": "the device that wrote it (hub for the hub)"},
          "store": {"type": "string", "nullable": true, "description": "the store of that device; null for the hub"},
          "time": {"type": "string", "description": "ISO 8601 instant, UTC"},
          "timestamp": {"type": "string", "description": "hybrid logical timestamp, milliseconds.counter"},
          "fields": {"type": "object", "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": true}},
          "won": {
            "type": "object",
            "additionalProperties": {"type": "boolean"},
            "description": "per field: whether this write's value is the current one"
          }
        }
      },
      "MatchingStats": {
        "type": "object",
        "required": ["needs_open", "offers_open", "matches", "delivered"],
        "properties": {
          "from": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "to": {
            "type": "string",
            "format": "date",
            "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$"
          },
          "needs_open": {"type": "integer", "minimum": 0},
          "offers_open": {"type": "integer", "minimum": 0},
          "matches": {"type": "integer", "minimum": 0},
          "delivered": {"type": "object", "additionalProperties": {"type": "number"}, "description": "commodity → quantity in the catalog unit"},
          "minutes_to_match_p50": {"type": "number", "minimum": 0},
          "minutes_to_match_p90": {"type": "number", "minimum": 0}
        }
      }
    },
    "responses": {
      "Error": {"description": "Refused; nothing was written", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "parameters": {
      "date": {
        "name": "date",
        "in": "query",
        "schema": {
          "type": "string",
          "format": "date",
          "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$",
          "description": "YYYY-MM-DD, a real day from 1900-01-01 to 2999-12-31"
        },
        "description": "the view's day; default: the latest reported date"
      },
      "by": {
        "name": "by",
        "in": "query",
        "schema": {"type": "string", "enum": ["county"]},
        "description": "at a city hub: one row per county (each with `county`) beside the city total"
      },
      "county": {
        "name": "county",
        "in": "query",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,24}$"},
        "description": "at a city hub: only this county's stores (404 for a county not enrolled)"
      }
    }
  },
  "paths": {
    "/healthz": {
      "get": {
        "summary": "Liveness",
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics",
        "responses": {"200": {"description": "text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    },
    "/v1/sync": {
      "post": {
        "summary": "One-round-trip sync of a store replica (bodies may be gzip: Content-Encoding / Accept-Encoding)",
        "security": [{"storeToken": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncRequest"}}}},
        "responses": {
          "200": {"description": "Merged", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "409": {
            "description": "schema_too_new, or clock_ahead (with hub_time)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "422": {
            "description": "invalid_change: one change breaks its record set's rules (error.change is its index); nothing was written",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "503": {
            "description": "busy: other large batches are being merged; retry after Retry-After seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          }
        }
      }
    },
    "/v1/upstream/sync": {
      "post": {
        "summary": "At a city hub: a county hub's upward batch of its stores' records, registry and sign-offs; answered with the city's notices",
        "security": [{"countyToken": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpstreamRequest"}}}},
        "responses": {
          "200": {"description": "Merged", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpstreamResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/restore": {
      "get": {
        "summary": "What the store's own devices wrote, page by page, for a device replacing a broken one (baogong-agent init --restore)",
        "security": [{"storeToken": []}],
        "parameters": [
          {
            "name": "after",
            "in": "query",
            "schema": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807, "default": 0}
          },
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 20000, "default": 5000}}
        ],
        "responses": {
          "200": {
            "description": "a page: changes after `after`, cursor = the last one's seq, more when the page is full",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncResponse"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/history": {
      "get": {
        "summary": "Every write the hub has seen for one record, oldest first, and which of its values stand",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {
            "name": "set",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "stock",
                "checkpoint",
                "incident",
                "store_status",
                "catalog",
                "stores",
                "notices",
                "need",
                "offer",
                "match",
                "match_answer",
                "pass_key",
                "pass_revocation",
                "pass",
                "delivery",
                "delivery_quantity"
              ]
            }
          },
          {"name": "key", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}, "description": "the record's key"}
        ],
        "responses": {
          "200": {
            "description": "Every write the hub has seen for one record, oldest first, and which of its values stand",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/RecordWrite"}}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/history": {
      "get": {
        "summary": "One record's writes as a page (HTML), linked from the dashboard",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {
            "name": "set",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "stock",
                "checkpoint",
                "incident",
                "store_status",
                "catalog",
                "stores",
                "notices",
                "need",
                "offer",
                "match",
                "match_answer",
                "pass_key",
                "pass_revocation",
                "pass",
                "delivery",
                "delivery_quantity"
              ]
            }
          },
          {"name": "key", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}},
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"}
        ],
        "responses": {
          "200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "303": {"description": "to /login", "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/stores": {
      "get": {
        "summary": "Enrolled stores",
        "security": [{"operatorToken": []}, {"session": []}],
        "responses": {
          "200": {
            "description": "Enrolled stores",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Store"}}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/status": {
      "get": {
        "summary": "Fleet sync status: one row per device, and one per store never heard from",
        "security": [{"operatorToken": []}, {"session": []}],
        "responses": {
          "200": {
            "description": "Fleet sync status",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/FleetStatusRow"}}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/records/{set}": {
      "get": {
        "summary": "Current values of a record set, in change-log order (page with after = the last row's seq)",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {
            "name": "set",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "stock",
                "checkpoint",
                "incident",
                "store_status",
                "catalog",
                "stores",
                "notices",
                "need",
                "offer",
                "match",
                "match_answer",
                "pass_key",
                "pass_revocation",
                "pass",
                "delivery",
                "delivery_quantity"
              ]
            }
          },
          {"name": "store", "in": "query", "schema": {"type": "string"}, "description": "only this store's records (sets keyed by store)"},
          {"$ref": "#/components/parameters/date"},
          {
            "name": "after",
            "in": "query",
            "schema": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807, "default": 0},
            "description": "records after this seq"
          },
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}}
        ],
        "responses": {
          "200": {
            "description": "One object per record: `key`, the key parts by name, every field of the set (null when never written) and `seq`",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["key", "seq"],
                    "properties": {
                      "key": {"type": "string"},
                      "seq": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 9223372036854775807}
                    },
                    "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}], "nullable": true}
                  }
                }
              }
            }
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/views/supply": {
      "get": {
        "summary": "County supply per commodity and per store",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {"$ref": "#/components/parameters/date"},
          {"$ref": "#/components/parameters/by"},
          {"$ref": "#/components/parameters/county"},
          {
            "name": "unit",
            "in": "query",
            "schema": {"type": "string", "enum": ["kg", "jin"]},
            "description": "convert mass quantities and prices to this unit"
          }
        ],
        "responses": {
          "200": {
            "description": "County supply per commodity and per store",
            "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/SupplyView"}, {"$ref": "#/components/schemas/SupplyByCounty"}]}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/views/alerts": {
      "get": {
        "summary": "Alerts of a date, most severe first",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [{"$ref": "#/components/parameters/date"}, {"$ref": "#/components/parameters/by"}, {"$ref": "#/components/parameters/county"}],
        "responses": {
          "200": {
            "description": "Alerts of a date, most severe first",
            "content": {
              "application/json": {
                "schema": {
                  "oneOf": [
                    {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}},
                    {"$ref": "#/components/schemas/AlertsByCounty"}
                  ]
                }
              }
            }
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/views/checkpoints": {
      "get": {
        "summary": "Checkpoint totals and disinfection compliance",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [{"$ref": "#/components/parameters/date"}, {"$ref": "#/components/parameters/by"}, {"$ref": "#/components/parameters/county"}],
        "responses": {
          "200": {
            "description": "Checkpoint totals and disinfection compliance",
            "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/CheckpointView"}, {"$ref": "#/components/schemas/CheckpointsByCounty"}]}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/views/reporting": {
      "get": {
        "summary": "Expected, reported, missing, late and stale stores",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [{"$ref": "#/components/parameters/date"}, {"$ref": "#/components/parameters/by"}, {"$ref": "#/components/parameters/county"}],
        "responses": {
          "200": {
            "description": "Expected, reported, missing, late and stale stores",
            "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/ReportingView"}, {"$ref": "#/components/schemas/ReportingByCounty"}]}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/views/stores": {
      "get": {
        "summary": "Store status history",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [{"$ref": "#/components/parameters/date"}],
        "responses": {
          "200": {
            "description": "Store status history",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/StoreHistory"}}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/views/deliveries": {
      "get": {
        "summary": "Online orders and deliveries over a period; vehicles, staff and groups are each store's largest, summed",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {
            "name": "from",
            "in": "query",
            "schema": {
              "type": "string",
              "format": "date",
              "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$",
              "description": "YYYY-MM-DD, a real day from 1900-01-01 to 2999-12-31"
            },
            "description": "first day of the period (default: unbounded)"
          },
          {
            "name": "to",
            "in": "query",
            "schema": {
              "type": "string",
              "format": "date",
              "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$",
              "description": "YYYY-MM-DD, a real day from 1900-01-01 to 2999-12-31"
            },
            "description": "last day of the period (default: unbounded)"
          }
        ],
        "responses": {
          "200": {
            "description": "Online orders and deliveries over a period; vehicles, staff and groups are each store's largest, summed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deliveries"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/needs": {
      "get": {
        "summary": "Open needs with quantity left, most urgent first",
        "security": [{"operatorToken": []}, {"session": []}],
        "responses": {
          "200": {
            "description": "Open needs with quantity left, most urgent first",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Posting"}}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/offers": {
      "get": {
        "summary": "Open, unexpired offers with quantity left",
        "security": [{"operatorToken": []}, {"session": []}],
        "responses": {
          "200": {
            "description": "Open, unexpired offers with quantity left",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Posting"}}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/suggestions": {
      "get": {
        "summary": "Open needs paired with open offers, ranked (docs/views.md)",
        "security": [{"operatorToken": []}, {"session": []}],
        "responses": {
          "200": {
            "description": "Open needs paired with open offers, ranked (docs/views.md)",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/MatchSuggestion"}}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/matches": {
      "get": {
        "summary": "Matches, newest first",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["confirmed", "accepted", "declined", "delivered", "cancelled"]}}
        ],
        "responses": {
          "200": {
            "description": "Matches, newest first",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/MatchRecord"}}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/stats": {
      "get": {
        "summary": "Open needs and offers, matches, deliveries and time to match over a period",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {
            "name": "from",
            "in": "query",
            "schema": {
              "type": "string",
              "format": "date",
              "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$",
              "description": "YYYY-MM-DD, a real day from 1900-01-01 to 2999-12-31"
            },
            "description": "first day of the period (default: unbounded)"
          },
          {
            "name": "to",
            "in": "query",
            "schema": {
              "type": "string",
              "format": "date",
              "pattern": "^((19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(19|2[0-9])[0-9]{2}-(0[13-9]|1[0-2])-(29|30)|(19|2[0-9])[0-9]{2}-(0[13578]|1[02])-31|(19|2[0-9])(0[48]|[2468][048]|[13579][26])-02-29|(20|24|28)00-02-29)$",
              "description": "YYYY-MM-DD, a real day from 1900-01-01 to 2999-12-31"
            },
            "description": "last day of the period (default: unbounded)"
          }
        ],
        "responses": {
          "200": {
            "description": "Open needs and offers, matches, deliveries and time to match over a period",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchingStats"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/confirm": {
      "post": {
        "summary": "Allocate a quantity of an offer to a need (dispatcher or admin; a browser session also sends X-CSRF-Token)",
        "security": [{"operatorToken": []}, {"session": []}],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["need", "offer", "quantity"],
                "properties": {
                  "need": {"type": "string", "description": "id or SITE/id"},
                  "offer": {"type": "string", "description": "id or SITE/id"},
                  "quantity": {"type": "number", "exclusiveMinimum": true, "minimum": 0},
                  "unit": {"type": "string", "enum": ["kg", "jin", "L", "barrel", "bag", "case"], "description": "default: the catalog unit"}
                }
              }
            }
          }
        },
        "responses": {
          "201": {"description": "the match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchRecord"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {
            "description": "over_allocated, not_open, or mismatch (a need and an offer of different commodities or of one site, a unit that does not convert to the commodity's); nothing was written",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/matching/matches/{id}/cancel": {
      "post": {
        "summary": "Cancel an open match, releasing its quantity (dispatcher or admin; a browser session also sends X-CSRF-Token)",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}},
        "responses": {
          "200": {"description": "the match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchRecord"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {
            "description": "not_open: the match is closed already; nothing was written",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/passes": {
      "get": {
        "summary": "Green-channel passes, revoked or not",
        "security": [{"operatorToken": []}, {"session": []}],
        "responses": {
          "200": {
            "description": "Green-channel passes, revoked or not",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pass"}}}}
          },
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/passes/{id}": {
      "get": {
        "summary": "One pass",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "the pass", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pass"}}}},
          "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/": {
      "get": {
        "summary": "Dashboard (HTML); a browser that is not signed in is sent to /login",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {"$ref": "#/components/parameters/date"},
          {"$ref": "#/components/parameters/by"},
          {"$ref": "#/components/parameters/county"},
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"}
        ],
        "responses": {
          "200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "303": {"description": "to /login", "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/passes/{id}": {
      "get": {
        "summary": "A printable pass (HTML): plate, validity, the code as a QR code in SVG",
        "security": [{"operatorToken": []}, {"session": []}],
        "parameters": [
          {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"}
        ],
        "responses": {
          "200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "303": {"description": "to /login", "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/matching/confirm": {
      "post": {
        "summary": "The dashboard's confirm form (dispatcher or admin; with a session, the session's CSRF token)",
        "security": [{"operatorToken": []}, {"session": []}],
        "requestBody": {
          "required": true,
          "content": {
            "application/x-www-form-urlencoded": {
              "schema": {
                "type": "object",
                "required": ["need", "offer", "quantity"],
                "properties": {
                  "need": {"type": "string", "pattern": "^([A-Za-z0-9_.-]{1,64}/)?[A-Za-z0-9_.-]{1,64}$"},
                  "offer": {"type": "string", "pattern": "^([A-Za-z0-9_.-]{1,64}/)?[A-Za-z0-9_.-]{1,64}$"},
                  "quantity": {
                    "type": "string",
                    "pattern": "^ *([1-9][0-9]{0,8}(\\.[0-9]{1,6})?|0\\.[0-9]{0,5}[1-9]) *$",
                    "description": "more than 0, in the catalog unit"
                  },
                  "csrf": {"type": "string"},
                  "lang": {"type": "string", "enum": ["zh", "en"]}
                },
                "additionalProperties": {"type": "string"}
              }
            }
          }
        },
        "responses": {
          "303": {"description": "to the dashboard's matching panel", "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"description": "a field missing or not a positive number (HTML)", "content": {"text/html": {"schema": {"type": "string"}}}},
          "403": {
            "description": "role or CSRF token refused (HTML); a store token (JSON)",
            "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "404": {"description": "no such need or offer (HTML)", "content": {"text/html": {"schema": {"type": "string"}}}},
          "409": {
            "description": "over-allocated, not open or mismatched (HTML); nothing was written",
            "content": {"text/html": {"schema": {"type": "string"}}}
          },
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/login": {
      "get": {
        "summary": "Sign-in form (HTML)",
        "parameters": [
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"}
        ],
        "responses": {
          "200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"}
        }
      },
      "post": {
        "summary": "Sign in with an operator token (a form of at most 4 KiB from the hub's own page); sets the session cookie",
        "parameters": [
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"}
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/x-www-form-urlencoded": {
              "schema": {
                "type": "object",
                "required": ["token"],
                "properties": {"token": {"type": "string"}},
                "additionalProperties": {"type": "string"}
              }
            }
          }
        },
        "responses": {
          "303": {
            "description": "to /, with the session cookie",
            "headers": {"Location": {"schema": {"type": "string"}}, "Set-Cookie": {"schema": {"type": "string"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"description": "token refused (HTML)", "content": {"text/html": {"schema": {"type": "string"}}}},
          "403": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "429": {
            "description": "too many failed sign-ins from this address; retry after Retry-After seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          }
        }
      }
    },
    "/login/session/{id}": {
      "get": {
        "summary": "Single-use sign-in link (10 minutes): spends the code, sets the cookie of a fresh session and redirects to /",
        "parameters": [
          {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"},
          {"$ref": "#/components/parameters/date"}
        ],
        "responses": {
          "303": {"description": "to /", "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"description": "unknown, spent or expired code (HTML)", "content": {"text/html": {"schema": {"type": "string"}}}}
        }
      }
    },
    "/logout": {
      "post": {
        "summary": "Sign out: ends the browser's session and clears its cookie",
        "parameters": [
          {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["zh", "en"], "default": "zh"}, "description": "language of the page"}
        ],
        "responses": {
          "303": {"description": "to /login", "headers": {"Location": {"schema": {"type": "string"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}
        }
      }
    }
  }
}
"""#
}
