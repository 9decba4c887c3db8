"""MavenTech B2B sales pipeline (Maven Analytics "CRM + Sales + Opportunities")."""

import datetime
from decimal import Decimal, InvalidOperation

from .common import clean_text, name_key, parse_date, read_csv

DATASET = "pipeline"
STAGES = ("Prospecting", "Engaging", "Won", "Lost")
OPEN_STAGES = ("Prospecting", "Engaging")
# Prospecting rows have no engage date; they are dated on the day after the
# dataset's last recorded activity so that they sort as the newest pipeline.
UNDATED_CREATE_DATE = datetime.date(2018, 1, 1)


def read_teams(folder, rejects):
    """Agents with their manager and regional office, keyed by cleaned agent name."""
    agents = {}
    for line, row in read_csv(folder / "sales_teams.csv"):
        agent = clean_text(row.get("sales_agent"))
        manager = clean_text(row.get("manager"))
        office = clean_text(row.get("regional_office"))
        if not agent or not manager or not office:
            rejects.add(
                DATASET, "sales_teams.csv", line, "agent, manager or office empty", row
            )
            continue
        if name_key(agent) in agents:
            rejects.add(DATASET, "sales_teams.csv", line, "duplicate agent", row)
            continue
        agents[name_key(agent)] = {"name": agent, "manager": manager, "office": office}
    return agents


def read_accounts(folder, rejects):
    accounts = {}
    for line, row in read_csv(folder / "accounts.csv"):
        name = clean_text(row.get("account"))
        if not name:
            rejects.add(DATASET, "accounts.csv", line, "account name empty", row)
            continue
        if name_key(name) in accounts:
            rejects.add(DATASET, "accounts.csv", line, "duplicate account", row)
            continue
        accounts[name_key(name)] = {
            "name": name,
            "sector": clean_text(row.get("sector")),
            "country": clean_text(row.get("office_location")),
        }
    return accounts


def read_products(folder, rejects):
    """List prices by product key: "GTXPro" and "GTX Pro" are one product."""
    products = {}
    for line, row in read_csv(folder / "products.csv"):
        name = clean_text(row.get("product"))
        try:
            price = Decimal(row.get("sales_price") or "")
        except InvalidOperation:
            rejects.add(DATASET, "products.csv", line, "sales price not a number", row)
            continue
        products[name_key(name)] = {"name": name, "price": price}
    return products


def _parse(row):
    """Dates and value of a row; ValueError or InvalidOperation when unreadable."""
    engaged = parse_date(row["engage_date"]) if row.get("engage_date") else None
    closed = parse_date(row["close_date"]) if row.get("close_date") else None
    value = Decimal(row["close_value"]) if row.get("close_value") else None
    return engaged, closed, value


def _problem(key, agent, stage, engaged, closed, value):
    """The first reason the row cannot be used, or None."""
    checks = (
        (not key, "opportunity_id empty"),
        (not agent, "sales agent not in sales_teams.csv"),
        (not stage, "deal stage unknown"),
        (
            stage not in OPEN_STAGES and not closed,
            f"{stage} opportunity without close_date",
        ),
        (
            stage != "Prospecting" and not engaged,
            f"{stage} opportunity without engage_date",
        ),
        (value is not None and value < 0, "close_value negative"),
    )
    return next((reason for failed, reason in checks if failed), None)


def _opportunity(row, agents, accounts, products):
    """The cleaned opportunity of one row, or the reason it cannot be used."""
    key = clean_text(row.get("opportunity_id"))
    agent = agents.get(name_key(row.get("sales_agent")))
    stages = {s.casefold(): s for s in STAGES}
    stage = stages.get(clean_text(row.get("deal_stage")).casefold())
    try:
        engaged, closed, value = _parse(row)
    except (ValueError, InvalidOperation):
        return None, "engage_date, close_date or close_value unreadable"
    reason = _problem(key, agent, stage, engaged, closed, value)
    if reason:
        detail = {
            "sales agent not in sales_teams.csv": row.get("sales_agent"),
            "deal stage unknown": row.get("deal_stage"),
        }.get(reason)
        return None, f"{reason}: {detail!r}" if detail is not None else reason
    product = products.get(name_key(row.get("product")))
    account = accounts.get(name_key(row.get("account")))
    # An account named but not in accounts.csv is still a customer: keep its name.
    account_name = account["name"] if account else clean_text(row.get("account"))
    if value is None and stage in OPEN_STAGES:
        # Open deals carry no value yet: expect the product's list price.
        value = product["price"] if product else Decimal(0)
    return {
        "key": key,
        "agent": agent["name"],
        "product": product["name"] if product else clean_text(row.get("product")),
        "account": account_name,
        "stage": stage,
        "engage_date": engaged,
        "close_date": closed,
        "create_date": engaged or UNDATED_CREATE_DATE,
        "amount": value or Decimal(0),
    }, None


def read(folder, rejects):
    """Teams, accounts and opportunities of the pipeline folder, cleaned."""
    agents = read_teams(folder, rejects)
    accounts = read_accounts(folder, rejects)
    products = read_products(folder, rejects)
    opportunities = []
    seen = set()
    for line, row in read_csv(folder / "sales_pipeline.csv"):
        opportunity, reason = _opportunity(row, agents, accounts, products)
        if opportunity and opportunity["key"] in seen:
            opportunity, reason = None, "duplicate opportunity_id"
        if reason:
            rejects.add(DATASET, "sales_pipeline.csv", line, reason, row)
            continue
        seen.add(opportunity["key"])
        opportunity["line"] = line
        opportunities.append(opportunity)
    return {
        "agents": list(agents.values()),
        "accounts": accounts,
        "opportunities": opportunities,
    }
