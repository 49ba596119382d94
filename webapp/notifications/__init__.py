"""E-mail reminders and notices, delivered once through a transactional outbox.

- messages: what each message says (Draft), in the recipient's zone, with its key;
- audience: a lesson's people and what they want (their /settings);
- notices: moved, cancelled and absent notices, written in the change's transaction;
- reminders: the worker's planning pass (reminders from the lessons' rules, digests);
- outbox: the table's set-based operations (enqueue, claim, outcomes);
- worker: `flask send-notifications`, delivering over SMTP with retries;
- alarms: the Today page's browser alarms;
- views: the outbox page and the unsubscribe links.
"""
