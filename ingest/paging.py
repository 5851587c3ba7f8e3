"""Page arguments and the page envelope the list endpoints share."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

MAX_PAGE_SIZE = 500


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_fields(item_schema) -> dict:
    """The envelope's fields around `item_schema` items."""
    return {
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
        "total": fields.Integer(metadata={"description": "matching items on all pages"}),
    }


def page_of(session, statement: Select, args: dict, convert) -> dict:
    """One page of `statement` (already ordered), each row through
    `convert`, with the total count."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    offset = (args["page"] - 1) * args["page_size"]
    rows = session.execute(statement.offset(offset).limit(args["page_size"])).all()
    items = [convert(row) for row in rows]
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}
