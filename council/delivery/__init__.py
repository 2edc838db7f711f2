"""Delivering documents: recipients from the roster, one builder of mail, the outbox and SMTP channels, and a
service that sends each document version to each recipient exactly once (the Delivery table's unique key).

- recipients.py — groups of contacts (各市町村企画担当課長, 幹事会 members, the secretariat …)
- message.py    — the one place that builds RFC 5322 mail (Japanese subjects and file names, no header injection)
- channels.py   — `outbox` (.eml files under COUNCIL_HOME/outbox) and `smtp` (STARTTLS/SSL, credentials)
- service.py    — deliver_document / delivery_status
- contacts.py   — importing the contacts' addresses from CSV (and the DEMO file)
"""
