"""Peer support bot for people living with BPD and the people who care for them."""

__version__ = "0.1.0"
