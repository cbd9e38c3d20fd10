"""Stripe's error answer, and the checks every endpoint shares to raise one."""

__all__ = ["StripeError", "invalid", "missing", "unknown_params"]


class StripeError(Exception):
    """An error answered in Stripe's shape: ``{"error": {"type", "code", "message", "param"}}``.

    ``stored`` says whether the answer is kept under the request's idempotency key. Stripe keeps
    an answer once the endpoint began to run (a 500 or a refused refund included); a request
    refused while its parameters are checked is not kept, so a corrected retry may reuse the key.
    """

    def __init__(
        self, status, message, *, type="invalid_request_error", code=None, param=None,
        stored=True, headers=None,
    ):  # fmt: skip
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = (
            int(status), message, type, code, param
        )  # fmt: skip
        self.stored = stored
        self.headers = dict(headers or {})

    def body(self) -> dict:
        return {
            "error": {
                "type": self.type, "code": self.code, "message": self.message, "param": self.param
            }
        }  # fmt: skip


def invalid(message: str, *, code: str | None = None, param: str | None = None) -> StripeError:
    """A 400 for a parameter that fails validation (not stored under the idempotency key)."""
    return StripeError(400, message, code=code, param=param, stored=False)


def missing(param: str) -> StripeError:
    return invalid(f"Missing required param: {param}.", code="parameter_missing", param=param)


def unknown_params(params: dict, allowed, prefix: str = "") -> None:
    """Stripe refuses any parameter it does not know, naming it (``payment_intent_data[x]``)."""
    for name in params:
        if name not in allowed:
            param = f"{prefix}[{name}]" if prefix else name
            raise invalid(
                f"Received unknown parameter: {param}", code="parameter_unknown", param=param
            )
