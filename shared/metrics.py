"""The Prometheus metrics every service exports, defined once for all of them (served by
shared/probes.py)."""
from prometheus_client import Counter, Gauge, Histogram

ENTRYPOINT_CALLS = Counter(
    "salon_entrypoint_calls_total", "Entrypoint calls by outcome", ["service", "entrypoint", "outcome"])
ENTRYPOINT_LATENCY = Histogram(
    "salon_entrypoint_latency_seconds", "Entrypoint latency", ["service", "entrypoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_APPENDED = Counter("salon_events_appended_total", "Events appended", ["service", "type"])
EVENTS_PUBLISHED = Counter("salon_events_published_total", "Events confirmed by the broker", ["service"])
RELAY_LAG_EVENTS = Gauge("salon_relay_lag_events", "Committed events not yet published", ["service"])
RELAY_LAG_SECONDS = Gauge(
    "salon_relay_lag_seconds", "Age of the oldest committed event not yet published", ["service"])
RELAY_ERRORS = Counter("salon_relay_errors_total", "Relay publish failures", ["service"])
HANDLER_FAILURES = Counter(
    "salon_handler_failures_total", "Event handler attempts that raised", ["service", "handler"])
DEAD_LETTERS = Counter(
    "salon_dead_letters_total", "Deliveries given up on (tries spent, or not a valid event): "
    "their stream waits for an operator", ["service", "handler"])
EVENTS_PARKED = Counter(
    "salon_events_parked_total", "Deliveries held back in a parked stream (failed, or behind one "
    "that failed)", ["service", "handler"])
PARKED_STREAMS = Gauge("salon_parked_streams", "Streams held back, by state (retrying, dead)",
                       ["service", "state"])
HELD_EVENTS = Gauge("salon_held_events", "Deliveries held in parked streams and dead letters",
                    ["service"])
DELIVERY_WAITS = Counter(
    "salon_delivery_waits_total", "Times a stream's delivery waited because the database could "
    "not take it (neither handled nor parked)", ["service"])
PARTITIONS_HELD = Gauge("salon_partitions_held", "Partition queues this replica consumes",
                        ["service"])
CONSUMER_RECONNECTS = Counter(
    "salon_consumer_reconnects_total", "Times an event consumer lost the broker and reconnected",
    ["service"])
DUPLICATES = Counter("salon_duplicate_events_total", "Redelivered events skipped by the inbox",
                     ["service", "handler"])
TIMERS_FIRED = Counter("salon_timers_fired_total", "Timers fired (their handler's transaction "
                       "committed)", ["service", "kind"])
TIMER_FAILURES = Counter("salon_timer_failures_total", "Timer handler tries that raised",
                         ["service", "kind"])
TIMERS_DEAD = Counter("salon_timers_dead_total", "Timers given up on (tries spent): each waits "
                      "for an operator", ["service", "kind"])
TIMERS = Gauge("salon_timers", "Timers by state: pending (not fired yet, due or not), unhandled "
               "(due, of a kind this replica has no handler for), dead", ["service", "state"])
TIMER_LAG_SECONDS = Gauge("salon_timer_lag_seconds", "How long the oldest due timer (of a kind "
                          "handled here) has been waiting to fire", ["service"])
TIMER_WAITS = Counter("salon_timer_waits_total", "Times the timer runner waited because the "
                      "database could not be reached (no timer's try is counted)", ["service"])
RPC_REPLY_FAILURES = Counter(
    "salon_rpc_reply_failures_total", "RPC replies the broker could not take (the caller times out)",
    ["service", "method"])
AUDIT_FAILURES = Counter(
    "salon_audit_failures_total", "State-changing requests whose audit record could not be written")
RATE_LIMITED = Counter("salon_rate_limited_total", "Requests refused by a rate limit", ["limit"])
LOGIN_FAILURES = Counter(
    "salon_login_failures_total", "Logins identity refused, by reason: unknown_username, "
    "wrong_password, no_password, disabled (the caller hears the same 401 for each), locked (the "
    "username), address_throttled (the client address; both 429)", ["service", "reason"])
ACCOUNT_LOCKOUTS = Counter(
    "salon_account_lockouts_total", "Usernames locked by failed logins, each lock once (by the failure "
    "that reached the limit); account: existing, or unknown (no account has the username)",
    ["service", "account"])
