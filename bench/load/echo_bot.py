"""line-bot-sdk's own Flask echo bot (examples/flask-echo), the baseline of the webhook
benchmark: it checks the signature, parses the events with the SDK and replies to each text
with the same text, in the request. Run under gunicorn like mentorbot:

    LINE_CHANNEL_SECRET=... LINE_API_BASE_URL=http://127.0.0.1:PORT \\
        gunicorn -w 2 'bench.load.echo_bot:create_app()'
"""
from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent


def create_app() -> Flask:
    app = Flask(__name__)
    handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])
    configuration = Configuration(access_token=os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", "t"),
                                  host=os.environ["LINE_API_BASE_URL"])
    client = ApiClient(configuration)
    api = MessagingApi(client)

    @app.post("/callback")
    def callback():
        signature = request.headers.get("X-Line-Signature", "")
        body = request.get_data(as_text=True)
        try:
            handler.handle(body, signature)
        except InvalidSignatureError:
            abort(400)
        return "OK"

    @handler.add(MessageEvent, message=TextMessageContent)
    def handle_message(event):
        api.reply_message(ReplyMessageRequest(reply_token=event.reply_token,
                                              messages=[TextMessage(text=event.message.text)]))

    return app
