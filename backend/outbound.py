"""The one door out: every HTTP request the server makes to a URL goes through this guard.

Webhooks, web push, OSRM, the geocoder and the SMS gateway all fetch URLs that someone typed: an
admin (webhooks), anyone holding a tracking link or a driver's login (push endpoints), the operator
(OSRM_URL, GEOCODER_URL). None of them may turn the server into a probe of its own network (SSRF).
The rules, whoever supplied the URL:

* https only; plain http only when OUTBOUND_ALLOW_HTTP is on (self-hosted OSRM or Nominatim);
* the host's addresses must be public: loopback, private, link-local (cloud metadata at
  169.254.169.254), shared, multicast, reserved and unspecified addresses are refused unless they lie
  in OUTBOUND_ALLOWED_NETWORKS;
* the name is resolved once per connection, by :func:`resolve`, and the socket connects to the very
  address that was checked (TLS still verifies the certificate for the name and the Host header keeps
  it): a name that answers a public address to the check and a private one to the connect (DNS
  rebinding) gets nowhere;
* redirects are never followed (a public URL answering 302 to 169.254.169.254 is just a 302), and
  environment proxies are not used (a proxy would resolve the name itself).

A leaf module: it imports no domain package, so any of them can call it.
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.timeout import _DEFAULT_TIMEOUT

DEFAULT_TIMEOUT_S = 10.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """The guard will not fetch this URL (scheme, address, redirect): retrying the same URL cannot help."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def parse_networks(value) -> tuple[Network, ...]:
    """`10.0.0.0/8, 127.0.0.1` (a string, or a list of them) -> networks; a bare address is a /32 (/128)."""
    if not value:
        return ()
    items = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())


@dataclass(frozen=True)
class Policy:
    allow_http: bool = False
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping) -> "Policy":
        """From the app's config (or any mapping with the OUTBOUND_* settings, e.g. os.environ)."""
        return cls(allow_http=_truthy(config.get("OUTBOUND_ALLOW_HTTP", False)),
                   allowed_networks=parse_networks(config.get("OUTBOUND_ALLOWED_NETWORKS")))


STRICT = Policy()


def resolve(host: str, port: int) -> list[str]:
    """The one DNS lookup of a connection: every address of `host`, in the resolver's order.

    Tests replace this function to stage DNS rebinding; nothing else in the guard resolves names.
    """
    addresses: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), which is where it really leads."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _why_not_public(address: Address) -> str | None:
    address = _embedded_ipv4(address) or address
    for flag, what in (("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
                       ("is_multicast", "a multicast"), ("is_unspecified", "an unspecified"),
                       ("is_private", "a private"), ("is_reserved", "a reserved")):
        if getattr(address, flag):
            return what
    if not address.is_global:
        return "a non-public"
    return None


def refusal_for_address(address: str, policy: Policy) -> str | None:
    """Why the guard will not connect to this address under `policy`, or None when it may."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"{address!r} is not an IP address"
    mapped = _embedded_ipv4(parsed)
    if any(parsed in network or (mapped is not None and mapped in network) for network in policy.allowed_networks):
        return None
    why = _why_not_public(parsed)
    if why is None:
        return None
    return (f"{address} is {why} address; outbound requests reach public addresses only "
            "(OUTBOUND_ALLOWED_NETWORKS lists the networks you allow)")


def _check_scheme(scheme: str, policy: Policy) -> None:
    if scheme == "https" or (scheme == "http" and policy.allow_http):
        return
    if scheme == "http":
        raise OutboundRefused("Plain http is refused; use https (OUTBOUND_ALLOW_HTTP allows http for "
                              "self-hosted services).")
    raise OutboundRefused(f"Only https URLs can be fetched, not {scheme or 'a URL without scheme'!r}.")


def _host_and_port(url: str) -> tuple[str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"Not a valid URL: {exc}")
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise OutboundRefused(f"Only https URLs can be fetched, not {scheme or 'a URL without scheme'!r}.")
    if not parts.hostname:
        raise OutboundRefused("The URL has no host.")
    return parts.hostname, port or (443 if scheme == "https" else 80), scheme


def checked_addresses(host: str, port: int, policy: Policy) -> list[str]:
    """Resolve once and check every address: a name with any refused address is refused whole."""
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        addresses = resolve(host, port)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    for address in addresses:
        why = refusal_for_address(address, policy)
        if why:
            raise OutboundRefused(why if address == host else f"{host} resolves to {address}: {why}")
    return addresses


def check_url(url: str, policy: Policy) -> None:
    """Refuse now what the guard would refuse when sending (for registering a URL kept for later).

    A name that does not resolve today is let through: it is checked again on every request.
    """
    host, port, scheme = _host_and_port(url)
    _check_scheme(scheme, policy)
    try:
        checked_addresses(host, port, policy)
    except (socket.gaierror, UnicodeError, OSError):
        pass


# --- the connection: resolve once, check, connect to the checked address --------------------------

class _PinnedConnectionMixin:
    """Replaces urllib3's name lookup at connect time with the guard's: the socket goes to the address
    that passed the check. The connection's host stays the name (SNI, certificate check, Host header)."""

    outbound_policy: Policy = STRICT

    def _new_conn(self) -> socket.socket:
        try:
            addresses = checked_addresses(self.host, self.port, self.outbound_policy)
        except (socket.gaierror, UnicodeError) as exc:
            error = exc if isinstance(exc, socket.gaierror) else socket.gaierror(str(exc))
            raise NameResolutionError(self.host, self, error) from exc
        last_error: OSError | None = None
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect((address, self.port))
            except socket.timeout as exc:
                sock.close()
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} ({address}) timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                sock.close()
                last_error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


def _pool_classes(policy: Policy) -> dict:
    http_connection = type("GuardedHTTPConnection", (_PinnedConnectionMixin, HTTPConnection),
                           {"outbound_policy": policy})
    https_connection = type("GuardedHTTPSConnection", (_PinnedConnectionMixin, HTTPSConnection),
                            {"outbound_policy": policy})
    return {"http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection})}


class GuardedAdapter(HTTPAdapter):
    """A requests transport adapter that only opens connections the policy allows."""

    def __init__(self, policy: Policy, **kwargs):
        self.policy = policy
        kwargs.setdefault("max_retries", 0)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.policy)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise OutboundRefused("Outbound requests do not go through proxies (the proxy would resolve the name).")

    def send(self, request, **kwargs):
        _check_scheme((urlsplit(request.url).scheme or "").lower(), self.policy)
        return super().send(request, **kwargs)


class GuardedSession(requests.Session):
    """A requests session whose every request passes the guard; redirects are never followed."""

    def __init__(self, policy: Policy):
        super().__init__()
        self.policy = policy
        self.trust_env = False  # no proxies, no .netrc from the environment
        self.max_redirects = 0
        adapter = GuardedAdapter(policy)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):
        host, _, scheme = _host_and_port(url if isinstance(url, str) else url.decode())
        _check_scheme(scheme, self.policy)
        kwargs["allow_redirects"] = False
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = DEFAULT_TIMEOUT_S
        return super().request(method, url, *args, **kwargs)


def session(policy: Policy) -> GuardedSession:
    return GuardedSession(policy)


def request(method: str, url: str, policy: Policy, **kwargs) -> requests.Response:
    """One guarded request. Raises OutboundRefused (never retry as is) or requests' own errors (retry)."""
    with GuardedSession(policy) as guarded:
        return guarded.request(method, url, **kwargs)


def get(url: str, policy: Policy, **kwargs) -> requests.Response:
    return request("GET", url, policy, **kwargs)


def post(url: str, policy: Policy, **kwargs) -> requests.Response:
    return request("POST", url, policy, **kwargs)
