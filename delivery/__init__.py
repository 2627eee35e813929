"""LINE delivery without Flask: the database session factory, the Messaging API gateway, the
renderer and postback codec, the webhook inbox, the outbox and its sender, event processing and
rich menus. The web process (bot/) and the clock (scheduler/) both use it."""
