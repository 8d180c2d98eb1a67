"""Notifications: what to tell whom and when (the planner, from the policy's deadlines and what
happens to a complaint), the outbox of notification rows, the dispatcher that claims and sends
them through the senders (Rasa, WhatsApp, Telegram, e-mail, SMS), APScheduler's wake-ups, the
texts, and the agents' routes for a delay notice and another try."""
