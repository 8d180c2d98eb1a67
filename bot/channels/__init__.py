"""The rasa server's input and output channels, one module (or package) per channel.

Telegram, WhatsApp (Meta Cloud API) and Twilio WhatsApp are webhook channels on one base
(bot.channels.base): each fills in how to check a call, parse it and send replies. The web chat
and REST channels are Rasa's own with their defects fixed and their turns counted.

Nothing in this package's __init__ imports rasa: the parsing modules (messages, ordering,
signatures, */updates.py, */payload.py) are tested in the backend's environment too.
"""
