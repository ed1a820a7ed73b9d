"""``RestErp``: the :class:`connectors.erp.base.BulkErp` protocol over HTTP (the ERP stub's
REST API, or a real ERP's integration layer speaking the same API).

One ``httpx.Client`` per ``RestErp`` keeps its connections open between calls (HTTP
keep-alive), so a robot process pays the TCP handshake once, not per call. The bulk methods
ask for up to ``BULK_LIMIT`` keys per request (``GET /suppliers?orgnr=…&orgnr=…``,
``POST /posted-invoices/search``, ``POST /posted-invoices/batch``; see docs/erp-stub.md).

Transient faults (connection errors, timeouts, 500/502/503/504) are retried with exponential
back-off; what still fails becomes an :class:`ErpError` with the exception log's system code:
``ERP-UNAVAILABLE`` when the ERP cannot be reached, keeps answering 502/503/504 or times out,
``ERP-ERROR`` for any other failed answer (4xx, a persistent 500, an unexpected payload).
Posting sends the voucher's idempotency key, so a retried post never makes a second voucher.

Configuration (environment, with defaults): ``KOMMUNERPA_ERP_URL`` (http://127.0.0.1:8700),
``KOMMUNERPA_ERP_TIMEOUT`` (read timeout, 10 s), ``KOMMUNERPA_ERP_CONNECT_TIMEOUT`` (3 s),
``KOMMUNERPA_ERP_RETRIES`` (retries after the first attempt, 3), ``KOMMUNERPA_ERP_TOKEN`` or
``KOMMUNERPA_ERP_TOKEN_FILE`` (the bearer token the ERP asks for; a file only its owner may
read, see ``connectors.secret_files``). The token is sent as ``Authorization: Bearer``; it is
in no error message or log line (httpx hides the header in its ``repr``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from connectors.erp.base import (
    BULK_LIMIT,
    ERROR,
    UNAVAILABLE,
    Agreement,
    Approver,
    ErpError,
    GoodsReceipt,
    PurchaseOrder,
    RegisterQuery,
    Supplier,
    Tenant,
    Voucher,
)
from connectors.erp.mapping import MappingError, from_json, to_json
from connectors.secret_files import secret_from

URL_ENV = "KOMMUNERPA_ERP_URL"
DEFAULT_URL = "http://127.0.0.1:8700"

# 500 is retried too: an ERP's 500 is often a passing hiccup (a deadlock, a restart).
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})

T = TypeVar("T")
#: Query parameters: a mapping, or pairs where a name repeats (``?orgnr=1&orgnr=2``).
Params = dict[str, str] | list[tuple[str, str]]


class _Transient(Exception):
    """One attempt failed in a way worth retrying; carries what the final error will say."""

    def __init__(self, code: str, message: str, details: dict[str, Any]):
        super().__init__(message)
        self.error = ErpError(code, message, details=details)


class RestErp:
    """The ERP over REST, with one pooled keep-alive ``httpx.Client`` (close it, or use
    ``with``)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        token: str | None = None,
    ):
        """Arguments left out come from the environment (see the module docstring).

        ``backoff`` is the first wait between attempts in seconds, doubling up to
        ``max_backoff``; ``transport`` is for tests that want no real network. A token file
        that others may read raises ``SecretFileError``.
        """
        env = os.environ
        self.base_url = (base_url or env.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        read = timeout if timeout is not None else float(env.get("KOMMUNERPA_ERP_TIMEOUT", 10))
        connect = (
            connect_timeout
            if connect_timeout is not None
            else float(env.get("KOMMUNERPA_ERP_CONNECT_TIMEOUT", 3))
        )
        self.retries = retries if retries is not None else int(env.get("KOMMUNERPA_ERP_RETRIES", 3))
        self._wait = wait_exponential(multiplier=backoff, max=max_backoff)
        token = token or secret_from(env, "KOMMUNERPA_ERP_TOKEN", "KOMMUNERPA_ERP_TOKEN_FILE")
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(read, connect=connect),
            headers=headers,
            transport=transport,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def __enter__(self) -> RestErp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ the Erp protocol

    def tenant(self, orgnr: str) -> Tenant | None:
        """The tenant with organisation number ``orgnr``, or None."""
        return self._get_one(Tenant, f"/tenants/{_seg(orgnr)}")

    def tenants(self) -> list[Tenant]:
        """Every tenant (organisation) the ERP keeps accounts for."""
        return self._get_list(Tenant, "/tenants", {})

    def supplier(self, orgnr: str) -> Supplier | None:
        """The supplier registered under ``orgnr``, or None."""
        return self._get_one(Supplier, f"/suppliers/{_seg(orgnr)}")

    def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        """Purchase order ``po_id`` with its lines, or None."""
        return self._get_one(PurchaseOrder, f"/purchase-orders/{_seg(po_id)}")

    def goods_receipts(self, po_id: str) -> list[GoodsReceipt]:
        """Goods received against the lines of order ``po_id`` (empty when none)."""
        return self._get_list(GoodsReceipt, "/goods-receipts", {"po_id": po_id})

    def agreements(self, supplier_orgnr: str) -> list[Agreement]:
        """The supplier's framework agreements, whatever their validity."""
        return self._get_list(Agreement, "/agreements", {"supplier_orgnr": supplier_orgnr})

    def approver(self, tenant: str, reference: str) -> Approver | None:
        """Who approves the tenant's invoices carrying buyer reference ``reference``, or None."""
        found = self._get_list(Approver, "/approvers", {"tenant": tenant, "reference": reference})
        return found[0] if found else None

    def posted_invoices(
        self,
        *,
        supplier_orgnr: str | None = None,
        invoice_number: str | None = None,
        po_id: str | None = None,
        document_type: str | None = None,
    ) -> list[Voucher]:
        """Posted vouchers matching every filter given, in posting order (``document_type``:
        ``Invoice`` or ``CreditNote``)."""
        query = RegisterQuery(supplier_orgnr, invoice_number, po_id, document_type)
        return self._get_list(Voucher, "/posted-invoices", query.filters())

    def post_voucher(self, voucher: Voucher) -> Voucher:
        """Post ``voucher``; returns it as registered, with ``voucher_id``. Posting the same
        idempotency key again returns the first voucher and creates nothing."""
        body = to_json(voucher)
        body.pop("voucher_id")  # the ERP's to set
        response = self._request(
            "POST",
            "/posted-invoices",
            json=body,
            headers={"Idempotency-Key": voucher.idempotency_key},
        )
        if response.status_code not in (200, 201):
            raise self._failed(response)
        return self._read(Voucher, _json(response))

    # ------------------------------------------------------------ bulk (BulkErp)
    # One request per kind and BULK_LIMIT keys; every key asked is in the answer.

    def find_tenants(self, orgnrs: Iterable[str]) -> dict[str, Tenant | None]:
        """The tenants with these organisation numbers (None: not a tenant)."""
        return _first_each(self._find(Tenant, "/tenants", "orgnr", orgnrs, attrgetter("orgnr")))

    def find_suppliers(self, orgnrs: Iterable[str]) -> dict[str, Supplier | None]:
        """The suppliers registered under these organisation numbers (None: unknown)."""
        found = self._find(Supplier, "/suppliers", "orgnr", orgnrs, attrgetter("orgnr"))
        return _first_each(found)

    def find_agreements(self, supplier_orgnrs: Iterable[str]) -> dict[str, list[Agreement]]:
        """Each supplier's framework agreements, whatever their validity."""
        by = attrgetter("supplier_orgnr")
        return self._find(Agreement, "/agreements", "supplier_orgnr", supplier_orgnrs, by)

    def find_approvers(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Approver | None]:
        """Who approves each ``(tenant, buyer reference)`` (None: nobody registered)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], Approver] = {}
        for chunk in _chunks(wanted):
            # tenant IN (...) AND reference IN (...): a superset of the pairs, picked below.
            params = [("tenant", t) for t in dict.fromkeys(t for t, _ in chunk)]
            params += [("reference", r) for r in dict.fromkeys(r for _, r in chunk)]
            for approver in self._get_list(Approver, "/approvers", params):
                found[(approver.tenant, approver.reference)] = approver
        return {key: found.get(key) for key in wanted}

    def find_purchase_orders(self, po_ids: Iterable[str]) -> dict[str, PurchaseOrder | None]:
        """These purchase orders with their lines (None: no such order)."""
        found = self._find(PurchaseOrder, "/purchase-orders", "id", po_ids, attrgetter("id"))
        return _first_each(found)

    def find_goods_receipts(self, po_ids: Iterable[str]) -> dict[str, list[GoodsReceipt]]:
        """Goods received against the lines of each order, in registration order."""
        return self._find(GoodsReceipt, "/goods-receipts", "po_id", po_ids, attrgetter("po_id"))

    def find_posted_invoices(
        self, queries: Iterable[RegisterQuery]
    ) -> dict[RegisterQuery, list[Voucher]]:
        """The register's answer to each query (each must name an order or an invoice
        number: the register is never scanned), in posting order."""
        wanted = list(dict.fromkeys(queries))
        answers: dict[RegisterQuery, list[Voucher]] = {}
        for chunk in _chunks(wanted):
            path = "/posted-invoices/search"
            response = self._request("POST", path, json=[q.filters() for q in chunk])
            if response.status_code != 200:
                raise self._failed(response)
            payload = _json(response)
            if not isinstance(payload, list) or len(payload) != len(chunk):
                raise ErpError(ERROR, f"POST {path}: expected one list per query")
            for query, found in zip(chunk, payload, strict=True):
                answers[query] = self._read_list(Voucher, found, path, "POST")
        return answers

    def post_vouchers(self, vouchers: Sequence[Voucher]) -> list[Voucher | ErpError]:
        """Post each voucher once per idempotency key, one request per ``BULK_LIMIT``;
        returns each as registered (with ``voucher_id``) or the ``ErpError`` refusing it.
        A voucher already posted under its key comes back as first posted, nothing new."""
        results: list[Voucher | ErpError] = []
        for chunk in _chunks(list(vouchers)):
            bodies = [to_json(v) for v in chunk]
            for body in bodies:
                body.pop("voucher_id")  # the ERP's to set
            response = self._request("POST", "/posted-invoices/batch", json=bodies)
            if response.status_code != 200:
                raise self._failed(response)
            payload = _json(response)
            if not isinstance(payload, list) or len(payload) != len(chunk):
                raise ErpError(ERROR, "POST /posted-invoices/batch: expected one answer each")
            results += [self._posted(v, answer) for v, answer in zip(chunk, payload, strict=True)]
        return results

    def _posted(self, voucher: Voucher, answer: Any) -> Voucher | ErpError:
        """One voucher's part of a batch post's answer."""
        status = answer.get("status") if isinstance(answer, dict) else None
        if status in (200, 201):
            return self._read(Voucher, answer.get("voucher"))
        error = answer.get("error") if isinstance(answer, dict) else None
        detail = error.get("message") if isinstance(error, dict) else error
        return ErpError(
            ERROR,
            f"ERP refused voucher {voucher.idempotency_key}: {status} {detail}",
            details={"status": status, "detail": error},
        )

    def _find(
        self,
        cls: type[T],
        path: str,
        param: str,
        keys: Iterable[str],
        key_of: Callable[[T], str],
    ) -> dict[str, list[T]]:
        """``GET path?param=k1&param=k2…`` per ``BULK_LIMIT`` keys: what each key has."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, list[T]] = {key: [] for key in wanted}
        for chunk in _chunks(wanted):
            for value in self._get_list(cls, path, [(param, key) for key in chunk]):
                # Only the keys asked: another ERP may answer more than it was asked for.
                if key_of(value) in found:
                    found[key_of(value)].append(value)
        return found

    # ------------------------------------------------------------ plumbing

    def _get_one(self, cls: type[T], path: str) -> T | None:
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._failed(response)
        return self._read(cls, _json(response))

    def _get_list(self, cls: type[T], path: str, params: Params) -> list[T]:
        response = self._request("GET", path, params=params)
        if response.status_code != 200:
            raise self._failed(response)
        return self._read_list(cls, _json(response), path)

    def _read_list(self, cls: type[T], payload: Any, path: str, method: str = "GET") -> list[T]:
        if not isinstance(payload, list):
            message = f"{method} {path}: expected a JSON array"
            raise ErpError(ERROR, message, details={"path": path})
        return [self._read(cls, item) for item in payload]

    def _read(self, cls: type[T], payload: Any) -> T:
        try:
            return from_json(cls, payload)
        except MappingError as exc:
            raise ErpError(
                ERROR,
                f"unexpected {cls.__name__} from the ERP: {exc}",
                details={"errors": exc.errors},
            ) from None

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call with retries; answers that are not transient faults are returned."""
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
        )
        try:
            return retrying(self._attempt, method, path, **kwargs)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            assert isinstance(last, _Transient)
            last.error.details["attempts"] = self.retries + 1
            raise last.error from None

    def _attempt(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        where = {"method": method, "path": path, "url": self.base_url}
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise _Transient(UNAVAILABLE, f"ERP timed out: {method} {path}", where) from exc
        except httpx.TransportError as exc:
            message = f"ERP unreachable at {self.base_url}: {type(exc).__name__}"
            raise _Transient(UNAVAILABLE, message, where) from exc
        if response.status_code in TRANSIENT_STATUSES:
            code = UNAVAILABLE if response.status_code in UNAVAILABLE_STATUSES else ERROR
            message = f"ERP answered {response.status_code} to {method} {path}"
            raise _Transient(code, message, {**where, "status": response.status_code})
        return response

    @staticmethod
    def _failed(response: httpx.Response) -> ErpError:
        request = response.request
        try:
            detail = response.json().get("detail")
        except (ValueError, AttributeError):
            detail = response.text[:500]
        return ErpError(
            ERROR,
            f"ERP refused {request.method} {request.url.path}: {response.status_code} {detail}",
            details={"status": response.status_code, "detail": detail},
        )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        path = response.request.url.path
        raise ErpError(ERROR, f"ERP answered {path} with something not JSON") from None


def _chunks(items: list[T]) -> Iterator[list[T]]:
    """``items`` in pieces of at most ``BULK_LIMIT``."""
    for start in range(0, len(items), BULK_LIMIT):
        yield items[start : start + BULK_LIMIT]


def _first_each(found: dict[str, list[T]]) -> dict[str, T | None]:
    """The one object found per key, or None (keys are unique in the ERP)."""
    return {key: values[0] if values else None for key, values in found.items()}


def _seg(value: str) -> str:
    """A path segment: ids such as ``1316/85`` must not open a new segment."""
    return quote(value, safe="")
