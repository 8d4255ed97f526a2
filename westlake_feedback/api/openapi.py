"""The OpenAPI 3.0 description of /api/v1. Objects are closed (additionalProperties: false), so a
response carrying any field not listed here — a phone number, say — fails validation in tests."""
from __future__ import annotations

from copy import deepcopy


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required if required is not None else list(properties),
        "properties": properties,
    }


STR = {"type": "string"}
NULLABLE_STR = {"type": "string", "nullable": True}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": "string", "format": "date-time", "nullable": True}
INT = {"type": "integer"}
NULLABLE_INT = {"type": "integer", "nullable": True}
AUTHOR = {
    "type": "string", "nullable": True,
    "description": "The commenter's name (their organisation for a company or social organisation), present "
                   "only if they agreed to publish it (同意公开姓名/单位); null or absent otherwise.",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


SCHEMAS = {
    "ConsultationSummary": _obj({
        "slug": STR,
        "title": STR,
        "issuer": NULLABLE_STR,
        "published_at": NULLABLE_DATETIME,
        "opens_at": DATETIME,
        "closes_at": DATETIME,
        "window_state": {"type": "string", "enum": ["not_yet_open", "open", "closed"]},
        "is_demo": {"type": "boolean"},
        "published_comment_count": INT,
        "current_round": {"type": "integer", "minimum": 1,
                          "description": "The round (1: the first draft; 2, 3 ...: revised drafts) now open or last open"},
    }),
    "ClauseSummary": _obj({
        "number": INT,
        "label": STR,
        "title": STR,
        "section_number": NULLABLE_INT,
        "published_comment_count": INT,
    }),
    "Section": _obj({
        "number": INT,
        "label": STR,
        "heading": STR,
        "lead_department": NULLABLE_STR,
        "intro": STR,
        "clauses": _list_of("ClauseSummary"),
    }),
    "Comment": _obj({
        "id": INT,
        "clause_number": NULLABLE_INT,
        "stance": {"type": "string", "enum": ["support", "oppose", "amend", "other"]},
        "identity_type": {"type": "string", "enum": ["individual", "company", "social_org", "government", "other"]},
        "channel": {"type": "string", "enum": ["web", "letter", "email", "phone", "meeting"]},
        "created_at": DATETIME,
        "text": STR,
        "author": AUTHOR,
        "round": {"type": "integer", "minimum": 1,
                  "description": "The round of the draft the comment was made on; clause_number is of that round"},
    }, required=["id", "clause_number", "stance", "identity_type", "channel", "created_at", "text", "round"]),
    "FeedbackEntry": _obj({
        "id": INT,
        "clause_number": {"type": "integer", "nullable": True,
                          "description": "The clause (of the comment's round) it was made on; null: the whole document"},
        "round": {"type": "integer", "minimum": 1, "description": "The round of the draft the comment was made on"},
        "text": STR,
        "outcome": {"type": "string", "enum": ["adopted", "partly_adopted", "not_adopted", "explained"]},
        "response": STR,
        "author": AUTHOR,
    }, required=["id", "clause_number", "round", "text", "outcome", "response"]),
    "OutcomeCounts": _obj({
        "adopted": INT, "partly_adopted": INT, "not_adopted": INT, "explained": INT, "undecided": INT,
    }),
    "ClauseFeedback": _obj({
        "clause_number": NULLABLE_INT,
        "clause_label": STR,
        "clause_title": STR,
        "received_count": INT,
        "outcome_counts": _ref("OutcomeCounts"),
        "entry_count": {"type": "integer", "description": "Its published comments with an answer: read them from "
                        "/feedback/entries?clause=<clause_number>&round=<round> (clause=0: the whole document)"},
        "response": NULLABLE_STR,
        "round": {"type": "integer", "nullable": True,
                  "description": "The round of the clause (null for the whole document)"},
    }),
    "SectionFeedback": _obj({
        "number": NULLABLE_INT,
        "label": STR,
        "heading": STR,
        "clauses": _list_of("ClauseFeedback"),
        "round": {"type": "integer", "minimum": 1, "description": "The round of the draft its clauses belong to"},
    }),
    "Feedback": _obj({
        "slug": STR,
        "title": STR,
        "published_at": DATETIME,
        "intro": STR,
        "received_count": INT,
        "outcome_counts": _ref("OutcomeCounts"),
        "texts_hidden": {"type": "boolean"},
        "whole_document": {"allOf": [{"$ref": "#/components/schemas/ClauseFeedback"}], "nullable": True},
        "sections": _list_of("SectionFeedback"),
    }),
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": STR, "parameter": STR, "message": STR},
    },
}
SCHEMAS["ClauseDetail"] = deepcopy(SCHEMAS["ClauseSummary"])
SCHEMAS["ClauseDetail"]["properties"]["text"] = STR
SCHEMAS["ClauseDetail"]["required"].append("text")
SCHEMAS["ConsultationDetail"] = deepcopy(SCHEMAS["ConsultationSummary"])
SCHEMAS["ConsultationDetail"]["properties"].update(
    preamble=STR,
    closing_text=STR,
    whole_draft_comment_count=INT,
    sections=_list_of("Section"),
    unsectioned_clauses=_list_of("ClauseSummary"),
)
SCHEMAS["ConsultationDetail"]["required"] = list(SCHEMAS["ConsultationDetail"]["properties"])

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
PER_PAGE = {"name": "per_page", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}}
CURSOR = {"type": "string", "pattern": "^[0-9]{1,17}_[0-9]{1,12}$"}
NEXT_CURSOR = {"type": "string", "nullable": True,
               "description": "Pass it as the cursor parameter for the next page; null on the last page"}
ETAG = {"ETag": {"description": "From the content version: send it as If-None-Match to get a 304 while "
                                "nothing public changed", "schema": STR},
        "Cache-Control": {"schema": {"type": "string", "enum": ["public, no-cache"]}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ok(schema: dict, description: str) -> dict:
    return {**_json(schema, description), "headers": deepcopy(ETAG)}


NOT_FOUND = _json(_ref("Error"), "No such consultation or clause")
NOT_MODIFIED = {"description": "Not modified: the If-None-Match ETag is current", "headers": deepcopy(ETAG)}
BAD_PARAMETER = _json(_ref("Error"), "A query parameter is out of range")


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "westlake-feedback public API",
            "version": "1.0.0",
            "description": "Read-only access to published consultations and published comments. "
            "Every 200 carries an ETag and `Cache-Control: public, no-cache`: revalidate with If-None-Match (304). "
            "No personal data (phone numbers, email addresses, IP hashes, receipt codes) is ever returned; "
            "a commenter's name or organisation appears only as `author`, and only with their consent.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/consultations": {"get": {
                "operationId": "listConsultations",
                "summary": "Published consultations",
                "responses": {"200": _ok(_obj({"items": _list_of("ConsultationSummary")}), "Consultations"),
                              "304": NOT_MODIFIED},
            }},
            "/consultations/{slug}": {"get": {
                "operationId": "getConsultation",
                "summary": "A consultation with its sections and clause counts",
                "parameters": [SLUG],
                "responses": {"200": _ok(_ref("ConsultationDetail"), "The consultation"), "304": NOT_MODIFIED,
                              "404": NOT_FOUND},
            }},
            "/consultations/{slug}/clauses": {"get": {
                "operationId": "listClauses",
                "summary": "Every clause with its text and published-comment count",
                "parameters": [SLUG],
                "responses": {"200": _ok(_obj({"items": _list_of("ClauseDetail")}), "Clauses"), "304": NOT_MODIFIED,
                              "404": NOT_FOUND},
            }},
            "/consultations/{slug}/clauses/{number}": {"get": {
                "operationId": "getClause",
                "summary": "One clause",
                "parameters": [SLUG, NUMBER],
                "responses": {"200": _ok(_ref("ClauseDetail"), "The clause"), "304": NOT_MODIFIED, "404": NOT_FOUND},
            }},
            "/consultations/{slug}/comments": {"get": {
                "operationId": "listComments",
                "summary": "Published comments, newest first",
                "parameters": [
                    SLUG,
                    {"name": "clause", "in": "query", "required": False,
                     "description": "Only comments on this clause number (of the round given by `round`, "
                                    "the current round without it; 0: the whole draft)",
                     "schema": {"type": "integer", "minimum": 0, "maximum": 100000}},
                    {"name": "round", "in": "query", "required": False,
                     "description": "Only comments made on this round of the draft (see current_round)",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                    {"name": "page", "in": "query", "required": False,
                     "description": "Read by offset; for the next page prefer `before`",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
                    PER_PAGE,
                    {"name": "before", "in": "query", "required": False,
                     "description": "The next_cursor of the previous page: reads the comments older than its last "
                                    "one (by keyset, as fast on page 1,000 as on page 1); page is then ignored",
                     "schema": CURSOR},
                ],
                "responses": {
                    "200": _ok(_obj({
                        "page": INT, "per_page": INT, "total": INT, "comments_hidden": {"type": "boolean"},
                        "next_cursor": NEXT_CURSOR, "items": _list_of("Comment"),
                    }), "A page of published comments"),
                    "304": NOT_MODIFIED,
                    "400": BAD_PARAMETER,
                    "404": NOT_FOUND,
                },
            }},
            "/consultations/{slug}/feedback": {"get": {
                "operationId": "getFeedback",
                "summary": "The office's published feedback (意见采纳情况): counts per clause and outcome, and "
                           "the clause answers; the decision on each published comment is under /feedback/entries. "
                           "404 until the office publishes it.",
                "parameters": [SLUG],
                "responses": {"200": _ok(_ref("Feedback"), "The published feedback"), "304": NOT_MODIFIED,
                              "404": _json(_ref("Error"), "No such consultation, or no feedback published yet")},
            }},
            "/consultations/{slug}/feedback/entries": {"get": {
                "operationId": "listFeedbackEntries",
                "summary": "The published comments with the office's decision and answer, oldest first, a page "
                           "at a time (follow next_cursor). 404 until the office publishes its feedback.",
                "parameters": [
                    SLUG,
                    {"name": "clause", "in": "query", "required": False,
                     "description": "Only those on this clause number (of the round given by `round`, the current "
                                    "round without it; 0: the whole document)",
                     "schema": {"type": "integer", "minimum": 0, "maximum": 100000}},
                    {"name": "round", "in": "query", "required": False,
                     "description": "Only those made on this round of the draft",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                    PER_PAGE,
                    {"name": "after", "in": "query", "required": False,
                     "description": "The next_cursor of the previous page", "schema": CURSOR},
                ],
                "responses": {
                    "200": _ok(_obj({
                        "per_page": INT, "texts_hidden": {"type": "boolean"}, "next_cursor": NEXT_CURSOR,
                        "items": _list_of("FeedbackEntry"),
                    }), "A page of entries"),
                    "304": NOT_MODIFIED,
                    "400": BAD_PARAMETER,
                    "404": _json(_ref("Error"), "No such consultation, or no feedback published yet"),
                },
            }},
        },
        "components": {"schemas": deepcopy(SCHEMAS)},
    }
