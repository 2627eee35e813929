"""Erasure and retention (PDPA): what the programme keeps about a family or a person, and for
how long.

- ``erasure``: a household's personal data removed, its rows and counts kept (one household
  from the CLI, or a batch from the retention rule: the same statements).
- ``person_erasure``: a mentor's, coordinator's or province officer's identifiers removed and
  their LINE user cut off from the bot.
- ``outbox_scrub`` and ``conversation_scrub``: the queued messages and the half-finished
  conversations that hold an erased household's or person's data.
- ``retention``: the daily rules (households that left long ago, old outbox content, old
  registration attempts), set-based and in batches.

No Flask, no LINE: the callers (the CLI, the clock) own the transactions and the LINE calls.
"""
