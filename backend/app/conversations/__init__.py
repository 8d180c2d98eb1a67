"""Conversation transcripts: the messages of customers, the bot and agents, fed by the rasa
server's event broker (over HTTP, or from RabbitMQ through the consumer), read by agents per
conversation and per complaint, erased and purged for privacy."""
