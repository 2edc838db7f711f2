"""Japanese official documents: 開催通知, 次第, 調査依頼, 督促, 調査結果概要, 議事概要, 年間スケジュール.

facts (the database → plain values) → builders (pure: facts → contexts) → rendering (Jinja2: Markdown, HTML) →
docx_builder / pdf_builder (from the HTML) → store (versions, numbers, files). `service` is the API to call.
"""
