"""The fake Discord server, driven by the real discord.py client (no mocks)."""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator

import pytest
from fakes.discord_api import FakeDiscord, discord_base_url, running_fake_discord

with warnings.catch_warnings():
    # discord.py imports the stdlib `audioop` (for voice), deprecated since Python 3.11;
    # pytest runs with filterwarnings=error, which would turn that into an import error.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

TIMEOUT = 2.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord() as server:
        yield server


def make_client() -> discord.Client:
    # on_ready waits guild_ready_timeout (2 s by default) after the last GUILD_CREATE.
    return discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.01)


@contextlib.asynccontextmanager
async def running(client: discord.Client) -> AsyncIterator[None]:
    """Logs in, connects, waits for on_ready; always closes the client and its task."""
    task: asyncio.Task[None] | None = None
    try:
        await client.login(FakeDiscord.TOKEN)
        task = asyncio.create_task(client.connect())
        await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)
        yield
    finally:
        await client.close()
        if task is not None:
            await asyncio.wait_for(task, TIMEOUT)


async def test_client_logs_in_connects_and_sees_the_guild(fake: FakeDiscord) -> None:
    client = make_client()
    ready = asyncio.Event()

    @client.event
    async def on_ready() -> None:
        ready.set()

    async with running(client):
        await asyncio.wait_for(ready.wait(), TIMEOUT)
        assert client.user is not None
        assert client.user.id == FakeDiscord.BOT_USER_ID
        assert client.application_id == FakeDiscord.APP_ID
        guild = client.get_guild(FakeDiscord.GUILD_ID)
        assert guild is not None
        assert guild in client.guilds
        assert guild.get_channel(FakeDiscord.CHANNEL_ID) is not None
        assert guild.get_thread(FakeDiscord.THREAD_ID) is not None
        assert guild.me.get_role(FakeDiscord.BOT_ROLE_ID) is not None
        assert fake.intents == discord.Intents.default().value
        assert fake.gateway_frames[0]["op"] == 1  # first heartbeat, right after HELLO ...
        assert client.latency < 1.0  # ... was ACKed
        assert not fake.intents & FakeDiscord.MESSAGE_CONTENT_INTENT
        assert [(r.method, r.path) for r in fake.requests] == [
            ("GET", "/users/@me"),
            ("GET", "/oauth2/applications/@me"),
        ]


async def test_mention_reaches_on_message_and_the_reply_is_recorded(fake: FakeDiscord) -> None:
    client = make_client()
    seen: list[discord.Message] = []
    echoed = asyncio.Event()

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author == client.user:  # Discord echoes the bot's own messages
            echoed.set()
            return
        seen.append(message)
        if client.user in message.mentions:
            await message.channel.send(
                "pong", allowed_mentions=discord.AllowedMentions.none(), reference=message
            )

    async with running(client):
        fake.user_message("no mention, so no content without the intent")
        sent = fake.user_message("ping", mentions_bot=True)
        [reply] = await fake.wait_for_message(timeout=TIMEOUT)
        await asyncio.wait_for(echoed.wait(), TIMEOUT)

    assert [m.content for m in seen] == ["", f"<@{FakeDiscord.BOT_USER_ID}> ping"]
    assert seen[1].guild is not None
    assert seen[1].author.id == FakeDiscord.USER_ID
    assert reply["kind"] == "create"
    assert reply["channel_id"] == FakeDiscord.CHANNEL_ID
    assert reply["content"] == "pong"
    assert reply["allowed_mentions"] == {"parse": []}
    assert reply["message_reference"]["message_id"] == int(sent["id"])  # discord.py sends an int


async def test_slash_command_is_synced_deferred_and_followed_up(fake: FakeDiscord) -> None:
    answered = asyncio.Event()

    class Bot(discord.Client):
        def __init__(self) -> None:
            super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.01)
            self.tree = app_commands.CommandTree(self)

        async def setup_hook(self) -> None:
            await self.tree.sync()

    client = Bot()

    @client.tree.command(description="Ask the briefing bot")
    async def ask(interaction: discord.Interaction, question: str, limit: int = 3) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"{question} x{limit}")
        answered.set()

    async with running(client):
        assert [c["name"] for c in fake.commands] == ["ask"]
        assert [o["type"] for o in fake.commands[0]["options"]] == [3, 4]
        interaction = fake.slash_command("ask", {"question": "why?", "limit": 2})
        await asyncio.wait_for(answered.wait(), TIMEOUT)
        [followup] = await fake.wait_for_message(timeout=TIMEOUT)

    put = await fake.wait_for_request("PUT", f"/applications/{FakeDiscord.APP_ID}/commands")
    assert put.json[0]["name"] == "ask"
    # defer(thinking=True) acknowledges with type 5 and no data
    assert fake.interaction_responses == [{"interaction_id": interaction["id"], "type": 5}]
    assert followup["kind"] == "followup"
    assert followup["content"] == "why? x2"
    assert followup["interaction_id"] == interaction["id"]
    assert followup["channel_id"] == FakeDiscord.CHANNEL_ID


async def test_persistent_view_receives_a_button_press(fake: FakeDiscord) -> None:
    pressed: list[int] = []

    class MoreView(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="More", custom_id="brief:more")
        async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            pressed.append(interaction.user.id)
            await interaction.response.send_message("here is more", ephemeral=True)

    client = make_client()
    async with running(client):
        client.add_view(MoreView())
        # A message posted by an earlier run of the bot: the view has to match by custom_id.
        old = {"id": "900000000000000099", "channel_id": str(FakeDiscord.CHANNEL_ID)}
        fake.press_button("brief:more", old)
        [response] = await fake.wait_for_message(timeout=TIMEOUT)

    assert pressed == [FakeDiscord.USER_ID]
    assert response["kind"] == "response"
    assert response["content"] == "here is more"
    assert response["flags"] == 64  # ephemeral


@pytest.mark.parametrize("global_", [False, True])
async def test_rate_limited_send_is_retried_and_recorded_once(
    fake: FakeDiscord, global_: bool
) -> None:
    client = make_client()
    fake.fail_next("POST /channels/{channel}/messages", retry_after=0.05, global_=global_)
    async with running(client):
        channel = client.get_channel(FakeDiscord.CHANNEL_ID)
        assert isinstance(channel, discord.TextChannel)
        message = await asyncio.wait_for(channel.send("after the limit"), TIMEOUT)

    assert message.content == "after the limit"
    assert message.author.id == FakeDiscord.BOT_USER_ID
    assert [m["content"] for m in fake.messages] == ["after the limit"]
    sends = [r.status for r in fake.requests if r.method == "POST"]
    assert sends == [429, 200]


async def test_autocomplete_gets_choices(fake: FakeDiscord) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)

    async def topics(interaction: discord.Interaction, current: str):
        names = ["deploys", "dependencies", "oncall"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @tree.command(description="Brief on a topic", guild=discord.Object(FakeDiscord.GUILD_ID))
    @app_commands.autocomplete(topic=topics)
    async def brief(interaction: discord.Interaction, topic: str) -> None:
        raise AssertionError("autocomplete must not invoke the command")

    async with running(client):
        await tree.sync(guild=discord.Object(FakeDiscord.GUILD_ID))
        assert fake.commands[0]["guild_id"] == str(FakeDiscord.GUILD_ID)
        fake.autocomplete("brief", {"topic": "de"}, "topic")
        callback = await fake.wait_for_request("POST", "/interactions/*/*/callback")

    assert callback.json["type"] == 8
    assert [c["value"] for c in callback.json["data"]["choices"]] == ["deploys", "dependencies"]


async def test_blocked_dms_raise_forbidden_50007(fake: FakeDiscord) -> None:
    client = make_client()
    fake.block_dms(FakeDiscord.USER_ID)
    async with running(client):
        dm = await client.create_dm(discord.Object(FakeDiscord.USER_ID))
        with pytest.raises(discord.Forbidden) as err:
            await dm.send("psst")
    assert err.value.code == 50007
    assert fake.messages == []


async def test_disconnect_resumes_and_replays_missed_events(fake: FakeDiscord) -> None:
    client = make_client()
    got = asyncio.Event()
    resumed = asyncio.Event()

    @client.event
    async def on_message(message: discord.Message) -> None:
        got.set()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    async with running(client):
        await fake.disconnect()
        fake.user_message("while you were away", mentions_bot=True)
        await fake.wait_for_gateway_op(6, timeout=TIMEOUT)  # RESUME, not a new IDENTIFY
        await asyncio.wait_for(asyncio.gather(got.wait(), resumed.wait()), TIMEOUT)

    assert [f["op"] for f in fake.gateway_frames].count(2) == 1


def test_discord_base_url_patches_rest_and_gateway_then_restores() -> None:
    from discord.gateway import DiscordWebSocket

    before = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    with discord_base_url("http://127.0.0.1:1/api/v10"):
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:1/api/v10/users/@me"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/gateway"
    after = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    assert after == before
