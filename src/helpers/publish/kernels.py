"""How a build's kernel clients wait for a kernel to be ready, without jupyter_client's fixed
sleeps (used for forked and ordinary kernels alike)."""

from __future__ import annotations

from jupyter_client.asynchronous import AsyncKernelClient


class QuickReadyClient(AsyncKernelClient):
    """A kernel client whose ``wait_for_ready`` returns as soon as the kernel is ready.

    jupyter_client's waits for a ``kernel_info`` reply, then up to 0.2 s for an IOPub message
    (retrying the whole exchange when the subscription missed it, as it always does with a
    kernel that answers within milliseconds), then another 0.2 s of IOPub silence: ~0.3 s of
    idle waiting per kernel. This one waits instead for the IOPub "idle" status of its own
    ``kernel_info`` request, which proves IOPub connected and leaves nothing to flush.
    """

    REPLY_WAIT = 1.0  # seconds to wait for a kernel_info reply before asking again

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        import time

        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        iopub_wait = 0.02
        while True:
            msg_id = self.kernel_info()
            reply = await self._reply_to(msg_id, self.REPLY_WAIT)
            if reply is not None:
                if await self._iopub_idle_after(msg_id, iopub_wait, deadline):
                    self._handle_kernel_info_reply(reply)
                    return
                iopub_wait = min(2 * iopub_wait, 0.2)
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reply_to(self, msg_id: str, wait: float):
        """The shell reply to request `msg_id`, or None after `wait` seconds. Replies to
        earlier requests (a kernel slow to start answers every kernel_info it was sent)
        are dropped, so a late kernel never leaves this one reply behind."""
        import time
        from queue import Empty

        until = time.monotonic() + wait
        while (left := until - time.monotonic()) > 0:
            try:
                msg = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "kernel_info_reply":
                return msg
        return None

    async def _iopub_idle_after(self, msg_id: str, wait: float, deadline: float = float("inf")) -> bool:
        """True once IOPub carries the "idle" status of request `msg_id`; False when IOPub
        stays silent for `wait` seconds first (its subscription missed the message), or
        at `deadline` (monotonic time)."""
        import time
        from queue import Empty

        while time.monotonic() < deadline:
            try:
                msg = await self.iopub_channel.get_msg(timeout=wait)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id
                    and msg["content"].get("execution_state") == "idle"):
                return True
        return False


# ---------------------------------------------------------------- the server's side
