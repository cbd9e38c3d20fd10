"""Monthly giving: Customers, Subscriptions, Invoices and Customer Portal sessions (issue 14).

``BillingAccount`` is mixed into ``StripeEmulator``. A Checkout Session in
``mode=subscription`` with a ``price_data[recurring]`` line item, once paid, creates (or reuses)
a Customer, an active Subscription and its first paid Invoice. ``advance_month()`` moves the
emulator's clock one calendar month and renews every subscription that falls due: a new Invoice
paid with a PaymentIntent and Charge (refundable and disputable like any other), or, for a
subscription set to ``fail_renewals``, an open Invoice with ``invoice.payment_failed`` and the
subscription ``past_due``. The Customer Portal is a labelled test page offering Cancel and
Update card; its changes reach the app only through events, as on Stripe.
"""

import calendar
import copy
import datetime
import secrets
from html import escape

from . import validation as check
from .errors import StripeError, invalid, missing, unknown_params
from .pages import _STYLE, format_amount

__all__ = ["BillingAccount", "render_portal_page"]

_INTERVALS = {"day", "week", "month", "year"}
_SUBSCRIPTION_DATA_PARAMS = {"metadata", "description"}
_CUSTOMER_PARAMS = {"email", "name", "metadata", "description", "expand"}
_PORTAL_PARAMS = {"customer", "return_url", "locale", "configuration", "expand"}
PORTAL_CANCELLATION = ("at_period_end", "immediately")


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    """``timestamp`` plus ``count`` intervals; months keep the day, clamped (31 Jan -> 28 Feb)."""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    if interval in ("day", "week"):
        days = count * (7 if interval == "week" else 1)
        return int((moment + datetime.timedelta(days=days)).timestamp())
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return int(moment.replace(year=year, month=month + 1, day=day).timestamp())


class BillingAccount:
    """Customers, subscriptions, invoices and portal sessions; needs ``StripeEmulator``."""

    def _init_billing(self) -> None:
        self.customers: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        self._subscription_data: dict[str, dict] = {}  # session id -> subscription_data
        self._failing_renewals: set[str] = set()  # subscription ids whose card fails
        self.portal_cancellation = "at_period_end"  # Stripe's portal default

    def _reset_billing(self) -> None:
        for store in (
            self.customers, self.subscriptions, self.invoices, self.portal_sessions,
            self._subscription_data,
        ):  # fmt: skip
            store.clear()
        self._failing_renewals.clear()

    # Checkout in subscription mode -------------------------------------------------------------
    def _subscription_session_params(self, params: dict) -> dict:
        """Checks only subscription mode has; returns what the subscription will carry."""
        for param in ("payment_intent_data", "submit_type"):
            if param in params:
                raise invalid(
                    f"`{param}` can only be used in `payment` mode.", param=param
                )  # fmt: skip
        if params.get("customer") and params.get("customer_email"):
            raise invalid(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )  # fmt: skip
        data = params.get("subscription_data") or {}
        if not isinstance(data, dict):
            raise invalid("Invalid object", param="subscription_data")
        unknown_params(data, _SUBSCRIPTION_DATA_PARAMS, "subscription_data")
        result = {"metadata": check.metadata(data.get("metadata"), "subscription_data[metadata]")}
        if "description" in data:
            result["description"] = check.string(
                data["description"], "subscription_data[description]", max_length=500
            )
        return result

    @staticmethod
    def _recurring(price_data: dict, prefix: str, mode: str) -> dict | None:
        recurring = price_data.get("recurring")
        param = f"{prefix}[price_data][recurring]"
        if mode == "payment":
            if recurring is not None:
                raise invalid(
                    "You must be in `subscription` mode to specify a recurring price.",
                    param=param,
                )  # fmt: skip
            return None
        if not isinstance(recurring, dict):
            raise invalid(
                "You must specify at least one recurring price in `subscription` mode.",
                param=param,
            )  # fmt: skip
        unknown_params(recurring, {"interval", "interval_count"}, param)
        if "interval" not in recurring:
            raise missing(f"{param}[interval]")
        interval = check.enum(recurring["interval"], f"{param}[interval]", _INTERVALS)
        count = check.integer(
            recurring.get("interval_count", "1"), f"{param}[interval_count]", minimum=1
        )
        return {"interval": interval, "interval_count": count}

    def _complete_subscription(self, session: dict) -> dict:
        """Pay a subscription-mode session: Customer, Subscription, first Invoice, paid."""
        now = self.now()
        customer = self.customers.get(session["customer"] or "")
        if customer is None:
            customer = self._new_customer(email=session["customer_email"])
        data = self._subscription_data[session["id"]]
        item = data["item"]
        subscription_id = _new_id("sub_")
        period_end = add_interval(now, item["interval"], item["interval_count"])
        subscription = {
            "id": subscription_id, "object": "subscription", "billing_cycle_anchor": now,
            "cancel_at": None, "cancel_at_period_end": False, "canceled_at": None,
            "collection_method": "charge_automatically", "created": now,
            "currency": session["currency"], "customer": customer["id"],
            "default_payment_method": None, "description": data.get("description"),
            "ended_at": None,
            "items": {
                "object": "list", "has_more": False, "url": "/v1/subscription_items",
                "data": [{
                    "id": _new_id("si_"), "object": "subscription_item", "created": now,
                    "current_period_start": now, "current_period_end": period_end,
                    "metadata": {}, "quantity": item["quantity"],
                    "subscription": subscription_id,
                    "price": {
                        "id": _new_id("price_"), "object": "price", "active": False,
                        "currency": session["currency"], "product": _new_id("prod_"),
                        "recurring": {
                            "interval": item["interval"],
                            "interval_count": item["interval_count"],
                        },
                        "type": "recurring", "unit_amount": item["unit_amount"],
                    },
                }],
            },
            "latest_invoice": None, "livemode": False, "metadata": dict(data.get("metadata", {})),
            "start_date": now, "status": "active", "test_clock": None,
        }  # fmt: skip
        self.subscriptions[subscription_id] = subscription
        self._emit("customer.subscription.created", subscription)
        invoice = self._invoice(subscription, "subscription_create", now, period_end)
        session.update(customer=customer["id"], subscription=subscription_id)
        session["invoice"] = invoice["id"]
        return invoice

    # Invoices ----------------------------------------------------------------------------------
    def _invoice(self, subscription: dict, reason: str, start: int, end: int) -> dict:
        """Bill one period: paid with a new PaymentIntent and Charge, or open and failed."""
        item = subscription["items"]["data"][0]
        amount = item["price"]["unit_amount"] * item["quantity"]
        currency = subscription["currency"]
        customer = self.customers[subscription["customer"]]
        invoice_id = _new_id("in_")
        fails = subscription["id"] in self._failing_renewals and reason != "subscription_create"
        invoice = {
            "id": invoice_id, "object": "invoice", "amount_due": amount,
            "amount_paid": 0 if fails else amount, "amount_remaining": amount if fails else 0,
            "attempt_count": 1, "attempted": True, "billing_reason": reason,
            "collection_method": "charge_automatically", "created": self.now(),
            "currency": currency, "customer": customer["id"],
            "customer_email": customer["email"], "description": None,
            "hosted_invoice_url": None, "livemode": False,
            "lines": {
                "object": "list", "has_more": False, "url": f"/v1/invoices/{invoice_id}/lines",
                "data": [{
                    "id": _new_id("il_"), "object": "line_item", "amount": amount,
                    "currency": currency, "description": subscription["description"],
                    "invoice": invoice_id, "period": {"start": start, "end": end},
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {
                            "subscription": subscription["id"], "subscription_item": item["id"],
                        },
                    },
                    "pricing": {"price_details": {"price": item["price"]["id"],
                                                  "product": item["price"]["product"]}},
                    "quantity": item["quantity"],
                }],
            },
            "metadata": {},
            "parent": {
                "type": "subscription_details",
                "subscription_details": {
                    "metadata": dict(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
            },
            "payments": {"object": "list", "data": [], "has_more": False},
            "period_end": end, "period_start": start,
            "status": "open" if fails else "paid", "subtotal": amount, "total": amount,
        }  # fmt: skip
        self.invoices[invoice_id] = invoice
        subscription["latest_invoice"] = invoice_id
        if fails:
            subscription["status"] = "past_due"
            invoice["next_payment_attempt"] = None
            self._emit("invoice.payment_failed", invoice)
            self._emit("customer.subscription.updated", subscription)
            return invoice
        intent_id, _ = self._create_payment(
            amount=amount, currency=currency, metadata={}, email=customer["email"],
            description="Subscription creation" if reason == "subscription_create"
            else "Subscription update",
        )  # fmt: skip
        invoice["payments"]["data"].append({
            "id": _new_id("inpay_"), "object": "invoice_payment", "amount_paid": amount,
            "amount_requested": amount, "currency": currency, "invoice": invoice_id,
            "is_default": True, "livemode": False, "status": "paid",
            "payment": {"type": "payment_intent", "payment_intent": intent_id},
        })  # fmt: skip
        invoice["status_transitions"] = {"paid_at": self.now()}
        self._emit("invoice.paid", invoice)
        self._emit("invoice.payment_succeeded", invoice)
        return invoice

    def advance_month(self, months: int = 1) -> list[str]:
        """Move the clock one calendar month at a time and renew what falls due; returns the
        new invoices' ids. (``advance_clock(seconds)`` renews what falls due too.)"""
        created = []
        for _ in range(months):
            now = self.now()
            with self._lock:
                self._clock_offset += add_interval(now, "month") - now
            created += self.renew_due()
            self.expire_due()
        return created

    def renew_due(self, now: int | None = None) -> list[str]:
        """Renew every live subscription whose period ended (one invoice per period passed);
        end those set to cancel at period end (``customer.subscription.deleted``)."""
        created = []
        with self._lock:
            now = self.now() if now is None else now
            for subscription in list(self.subscriptions.values()):
                while subscription["status"] in ("active", "past_due"):
                    item = subscription["items"]["data"][0]
                    end = item["current_period_end"]
                    if end > now:
                        break
                    if subscription["cancel_at_period_end"]:
                        self._end_subscription(subscription, at=end)
                        break
                    recurring = item["price"]["recurring"]
                    next_end = add_interval(end, recurring["interval"], recurring["interval_count"])
                    item.update(current_period_start=end, current_period_end=next_end)
                    invoice = self._invoice(subscription, "subscription_cycle", end, next_end)
                    created.append(invoice["id"])
                    if invoice["status"] == "paid":
                        if subscription["status"] == "past_due":
                            subscription["status"] = "active"
                        self._emit("customer.subscription.updated", subscription)
        return created

    def fail_renewals(self, subscription_id: str, fail: bool = True) -> None:
        """The subscription's card fails (or works again) from the next renewal on."""
        with self._lock:
            self._subscription(subscription_id)
            if fail:
                self._failing_renewals.add(subscription_id)
            else:
                self._failing_renewals.discard(subscription_id)

    def cancel_subscription(self, subscription_id: str, *, at_period_end: bool = False) -> dict:
        """Cancel now (``customer.subscription.deleted``) or at the period's end
        (``customer.subscription.updated`` with ``cancel_at_period_end``)."""
        with self._lock:
            subscription = self._subscription(subscription_id)
            if subscription["status"] == "canceled":
                raise StripeError(
                    400, f"No such subscription: '{subscription_id}' (it was canceled).",
                    code="resource_missing",
                )  # fmt: skip
            if at_period_end:
                end = subscription["items"]["data"][0]["current_period_end"]
                subscription.update(cancel_at_period_end=True, cancel_at=end)
                subscription["canceled_at"] = self.now()
                self._emit("customer.subscription.updated", subscription)
            else:
                self._end_subscription(subscription, at=self.now())
            return copy.deepcopy(subscription)

    def _end_subscription(self, subscription: dict, *, at: int) -> None:
        subscription.update(status="canceled", ended_at=at)
        subscription["canceled_at"] = subscription["canceled_at"] or at
        self._failing_renewals.discard(subscription["id"])
        self._emit("customer.subscription.deleted", subscription)

    def update_card(self, customer_id: str) -> dict:
        """The supporter gives a new card: renewals work again; ``customer.updated``."""
        with self._lock:
            customer = self._customer(customer_id)
            customer["invoice_settings"]["default_payment_method"] = _new_id("pm_")
            for subscription in self.subscriptions.values():
                if subscription["customer"] == customer_id:
                    self._failing_renewals.discard(subscription["id"])
            self._emit("customer.updated", customer)
            return copy.deepcopy(customer)

    # Customers ---------------------------------------------------------------------------------
    def _new_customer(self, *, email=None, name=None, metadata=None, description=None) -> dict:
        customer = {
            "id": _new_id("cus_"), "object": "customer", "balance": 0, "created": self.now(),
            "currency": None, "delinquent": False, "description": description, "email": email,
            "invoice_settings": {"default_payment_method": None}, "livemode": False,
            "metadata": dict(metadata or {}), "name": name,
        }  # fmt: skip
        self.customers[customer["id"]] = customer
        self._emit("customer.created", customer)
        return customer

    def _customer_fields(self, params: dict) -> dict:
        unknown_params(params, _CUSTOMER_PARAMS)
        fields = {}
        if "email" in params:  # "" clears it, as when a supporter is erased
            fields["email"] = params["email"] and check.check_email(params["email"], "email")
        if "name" in params:
            fields["name"] = check.string(params["name"], "name", max_length=256) or None
        if "description" in params:
            fields["description"] = params["description"] or None
        if "metadata" in params:
            fields["metadata"] = check.metadata(params["metadata"], "metadata")
        return fields

    def _customer(self, customer_id: str) -> dict:
        customer = self.customers.get(customer_id)
        if customer is None or customer.get("deleted"):
            raise StripeError(
                404, f"No such customer: '{customer_id}'", code="resource_missing", param="id"
            )
        return customer

    def _subscription(self, subscription_id: str) -> dict:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            raise StripeError(
                404, f"No such subscription: '{subscription_id}'", code="resource_missing",
                param="id",
            )  # fmt: skip
        return subscription

    # API operations (the HTTP handler calls api_<name>) ----------------------------------------
    def api_create_customer(self, params, request):
        return copy.deepcopy(self._new_customer(**self._customer_fields(params)))

    def api_get_customer(self, params, request, id):
        return copy.deepcopy(self._customer(id))

    def api_update_customer(self, params, request, id):
        customer = self._customer(id)
        customer.update(self._customer_fields(params))
        self._emit("customer.updated", customer, request)
        return copy.deepcopy(customer)

    def api_delete_customer(self, params, request, id):
        """Deleting a Customer cancels its subscriptions at once, as Stripe does."""
        customer = self._customer(id)
        for subscription in self.subscriptions.values():
            if subscription["customer"] == id and subscription["status"] != "canceled":
                self._end_subscription(subscription, at=self.now())
        customer["deleted"] = True
        self._emit("customer.deleted", customer, request)
        return {"id": id, "object": "customer", "deleted": True}

    def api_list_customers(self, params, request):
        unknown_params(params, {"email", "limit", "starting_after", "ending_before"})
        live = [c for c in self.customers.values() if not c.get("deleted")]
        if "email" in params:
            live = [c for c in live if c["email"] == params["email"]]
        return self._list(live, params, "/v1/customers", list(self.customers.values()))

    def api_get_subscription(self, params, request, id):
        return copy.deepcopy(self._subscription(id))

    def api_update_subscription(self, params, request, id):
        unknown_params(params, {"cancel_at_period_end", "metadata", "expand"})
        subscription = self._subscription(id)
        if "metadata" in params:
            subscription["metadata"] = check.metadata(params["metadata"], "metadata")
        if "cancel_at_period_end" in params:
            value = check.enum(params["cancel_at_period_end"], "cancel_at_period_end",
                               {"true", "false"})  # fmt: skip
            if value == "true":
                return self.cancel_subscription(id, at_period_end=True)
            subscription.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
        self._emit("customer.subscription.updated", subscription, request)
        return copy.deepcopy(subscription)

    def api_cancel_subscription(self, params, request, id):
        unknown_params(params, {"invoice_now", "prorate", "cancellation_details", "expand"})
        return self.cancel_subscription(id)

    def api_list_subscriptions(self, params, request):
        unknown_params(params, {"customer", "status", "limit", "starting_after", "ending_before"})
        status = params.get("status", "active")  # Stripe lists non-canceled ones by default
        found = [
            s for s in self.subscriptions.values()
            if ("customer" not in params or s["customer"] == params["customer"])
            and (status == "all" or s["status"] == status
                 or ("status" not in params and s["status"] != "canceled"))
        ]  # fmt: skip
        return self._list(found, params, "/v1/subscriptions", list(self.subscriptions.values()))

    def api_get_invoice(self, params, request, id):
        return self.retrieve(self.invoices, id, "invoice")

    def api_list_invoices(self, params, request):
        unknown_params(params, {"customer", "subscription", "limit", "starting_after",
                                "ending_before", "status"})  # fmt: skip
        found = [
            i for i in self.invoices.values()
            if params.get("customer") in (None, i["customer"])
            and params.get("subscription")
            in (None, i["parent"]["subscription_details"]["subscription"])
            and params.get("status") in (None, i["status"])
        ]  # fmt: skip
        return self._list(found, params, "/v1/invoices", list(self.invoices.values()))

    def api_create_portal_session(self, params, request):
        unknown_params(params, _PORTAL_PARAMS)
        if not params.get("customer"):
            raise missing("customer")
        customer = self._customer(params["customer"])
        return_url = params.get("return_url")
        if return_url is not None:
            check.check_url(return_url, "return_url")
        session_id = _new_id("bps_")
        portal = {
            "id": session_id, "object": "billing_portal.session",
            "configuration": "bpc_emulator", "created": self.now(),
            "customer": customer["id"], "flow": None, "livemode": False,
            "locale": params.get("locale"), "on_behalf_of": None, "return_url": return_url,
            "url": f"{self.base_url}/billing/{session_id}",
        }  # fmt: skip
        self.portal_sessions[session_id] = portal
        return copy.deepcopy(portal)

    def _list(self, items: list[dict], params: dict, url: str, everything: list[dict]) -> dict:
        from .api import Handler  # one pagination for every list

        return Handler._page_of(items, params, url, everything)

    # Portal page -------------------------------------------------------------------------------
    def portal_action(self, session_id: str, action: str, subscription_id: str | None) -> None:
        """A button on the portal page: ``cancel`` one of the customer's subscriptions (at the
        period's end or at once, per ``portal_cancellation``) or ``update-card``."""
        with self._lock:
            portal = self.portal_sessions[session_id]
            if action == "update-card":
                self.update_card(portal["customer"])
                return
            subscription = self._subscription(subscription_id or "")
            if subscription["customer"] != portal["customer"]:
                raise StripeError(404, "No such subscription for this customer.")
            self.cancel_subscription(
                subscription_id, at_period_end=self.portal_cancellation == "at_period_end"
            )

    def portal_view(self, session_id: str) -> tuple[dict, list[dict]] | None:
        with self._lock:
            portal = self.portal_sessions.get(session_id)
            if portal is None:
                return None
            mine = [
                copy.deepcopy(s) for s in self.subscriptions.values()
                if s["customer"] == portal["customer"]
            ]  # fmt: skip
            return copy.deepcopy(portal), mine


def render_portal_page(portal: dict, subscriptions: list[dict], message: str = "") -> str:
    """The Customer Portal test page: each subscription with Cancel, and Update card."""
    rows = []
    for subscription in subscriptions:
        item = subscription["items"]["data"][0]
        price = item["price"]
        amount = format_amount(price["unit_amount"] * item["quantity"], price["currency"])
        interval = price["recurring"]["interval"]
        if subscription["status"] == "canceled":
            state = "Canceled."
        elif subscription["cancel_at_period_end"]:
            state = "Cancels at the end of the current period."
        else:
            state = f"Status: {subscription['status'].replace('_', ' ')}."
        button = ""
        if subscription["status"] != "canceled" and not subscription["cancel_at_period_end"]:
            button = (
                f'<form method="post" action="/billing/{escape(portal["id"])}/cancel/'
                f'{escape(subscription["id"])}"><button type="submit" class="secondary">'
                f"Cancel this {escape(amount)} gift</button></form>"
            )
        rows.append(
            f"<li><p><strong>{escape(amount)} every {escape(interval)}</strong>. "
            f"{escape(state)}</p>{button}</li>"
        )
    listing = "<ul>" + "".join(rows) + "</ul>" if rows else "<p>No subscriptions.</p>"
    notice = f'<p class="notice" role="status">{escape(message)}</p>' if message else ""
    back = (
        f'<p><a href="{escape(portal["return_url"])}">Return to the site</a></p>'
        if portal["return_url"] else ""
    )  # fmt: skip
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Manage your monthly gift (Stripe emulator)</title>
<style>{_STYLE}</style>
</head>
<body>
<header><p class="banner">TEST MODE — Stripe emulator customer portal, no real payment</p></header>
<main>
<h1>Manage your monthly gift</h1>
{notice}
{listing}
<form method="post" action="/billing/{escape(portal["id"])}/update-card">
<button type="submit">Update card</button></form>
{back}
</main>
</body>
</html>
"""
