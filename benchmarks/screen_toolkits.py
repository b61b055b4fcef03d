"""Tk against SDL (pygame-ce) for the kiosk's screen, measured on this machine: prints a table.

    python -m benchmarks.screen_toolkits          (needs Xvfb, xdotool and strace; DejaVu fonts)

Each toolkit runs in a child process that opens a 1280x800 window on a private Xvfb display and draws what the screen
front end draws: a question in 64 px type, white on black, and three large answer buttons. The parent measures the
time to the first frame, grabs the screen (in memory) and counts the grey levels at the text's edges (anti-aliasing),
clicks a button with xdotool (a real X pointer event), and reads the child's peak memory. A worker thread in the child
hands the UI thread a message, and the child reports how long the hand-off took. Every child runs under
``strace -f -e trace=network``: the table lists the address families of every socket it created.

SDL also runs with its offscreen driver (no X server at all), driven by posted events instead of real clicks.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import os, sys, threading, time, queue
kit = sys.argv[1]
W, H = 1280, 800
LABELS = ("Yes", "No", "Not sure")
QUESTION = "Do you have a high temperature?"

def peak():
    with open("/proc/self/status") as f:
        s = f.read()
    get = lambda k: int(next(l for l in s.splitlines() if l.startswith(k)).split()[1]) // 1024
    return get("VmHWM:"), get("VmRSS:")

if kit == "tk":
    import tkinter
    root = tkinter.Tk()
    root.geometry(f"{W}x{H}+0+0")
    root.configure(bg="black")
    label = tkinter.Label(root, text=QUESTION, fg="white", bg="black", font=("DejaVu Sans", -64), wraplength=W - 80)
    label.place(x=40, y=60)
    boxes = {}
    def clicked(label):
        print("CLICKED", label, flush=True)
        print("MEM %d %d" % peak(), flush=True)
        root.destroy()
    for i, label in enumerate(LABELS):
        b = tkinter.Button(root, text=label, font=("DejaVu Sans", -48), fg="black", bg="white",
                           activebackground="#dddddd", command=lambda l=label: clicked(l))
        b.place(x=40 + i * 400, y=500, width=360, height=160)
        boxes[label] = (40 + i * 400 + 180, 500 + 80)
    q = queue.Queue()
    latencies = []
    def on_message(event=None):
        while not q.empty():
            sent = q.get()
            latencies.append((time.perf_counter() - sent) * 1000)
    root.bind("<<Message>>", on_message)
    def worker():
        for _ in range(20):
            time.sleep(0.02)
            q.put(time.perf_counter())
            root.event_generate("<<Message>>", when="tail")   # the documented cross-thread wake-up for threaded Tcl
    def ready():
        threading.Thread(target=worker, daemon=True).start()
        report = lambda: print("HANDOFF %.2f" % (statistics.median(latencies) if latencies else -1), flush=True)
        root.after(800, report)
        x, y = boxes["No"]
        print("READY %d %d" % (x, y), flush=True)
    import statistics
    root.after_idle(lambda: root.after(50, ready))
    root.mainloop()
else:
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    if kit == "sdl":
        os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    import pygame, statistics
    pygame.display.init(); pygame.font.init()
    screen = pygame.display.set_mode((W, H), pygame.NOFRAME)
    fontfile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    big, mid = pygame.font.Font(fontfile, 64), pygame.font.Font(fontfile, 48)
    screen.fill("black")
    screen.blit(big.render(QUESTION, True, "white", "black", W - 80), (40, 60))
    rects = {}
    for i, label in enumerate(LABELS):
        r = pygame.Rect(40 + i * 400, 500, 360, 160)
        pygame.draw.rect(screen, "white", r, border_radius=16)
        t = mid.render(label, True, "black", "white")
        screen.blit(t, t.get_rect(center=r.center))
        rects[label] = r
    pygame.display.flip()
    MESSAGE = pygame.event.custom_type()
    latencies = []
    def worker():
        for _ in range(20):
            time.sleep(0.02)
            pygame.event.post(pygame.event.Event(MESSAGE, sent=time.perf_counter()))   # SDL_PushEvent: thread-safe
    threading.Thread(target=worker, daemon=True).start()
    x, y = rects["No"].center
    print("READY %d %d" % (x, y), flush=True)
    if os.environ.get("SDL_VIDEODRIVER") == "offscreen":
        def poke():
            time.sleep(0.8)
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
        threading.Thread(target=poke, daemon=True).start()
    reported = False
    while True:
        event = pygame.event.wait(1000)
        if event.type == MESSAGE:
            latencies.append((time.perf_counter() - event.sent) * 1000)
            if len(latencies) == 20:
                print("HANDOFF %.2f" % statistics.median(latencies), flush=True)
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.FINGERDOWN):
            pos = event.pos if event.type == pygame.MOUSEBUTTONDOWN else (event.x * W, event.y * H)
            hit = next((l for l, r in rects.items() if r.collidepoint(pos)), None)
            if hit:
                print("CLICKED", hit, flush=True)
                print("MEM %d %d" % peak(), flush=True)
                break
    pygame.quit()
"""

FAMILY = re.compile(r"socket\((AF_[A-Z0-9]+)")
CONNECT = re.compile(r'connect\(\d+, \{sa_family=(AF_[A-Z0-9]+), (?:sun_path=(@?"[^"]*"))?')


def free_display() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read, 16)
        if not chunk:
            raise RuntimeError("Xvfb did not start")
        number += chunk
    os.close(read)
    return xvfb, ":" + number.decode().strip()


def antialias_levels(display: str) -> int:
    """Distinct grey levels in the question text's band (2 means no anti-aliasing)."""
    from PIL import ImageGrab

    image = ImageGrab.grab(xdisplay=display).convert("L").crop((40, 60, 1240, 200))
    return len(set(image.tobytes()))


def run(kit: str, display: str | None, trace: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    if display is None:
        env["SDL_VIDEODRIVER"] = "offscreen"
    else:
        env["DISPLAY"] = display
    started = time.perf_counter()
    child = subprocess.Popen(
        ["strace", "-f", "-qq", "-e", "trace=network", "-o", str(trace), sys.executable, "-c", CHILD, kit],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    out: dict[str, str] = {}
    for line in child.stdout:
        word, _, rest = line.strip().partition(" ")
        out[word] = rest
        if word == "READY":
            out["startup_ms"] = f"{(time.perf_counter() - started) * 1000:.0f}"
            if display is not None:
                time.sleep(0.3)
                out["levels"] = str(antialias_levels(display))
                time.sleep(0.6)
                x, y = rest.split()
                subprocess.run(["xdotool", "mousemove", x, y, "click", "1"], env=env, check=True)
    child.wait(timeout=30)
    text = trace.read_text()
    out["families"] = ",".join(sorted(set(FAMILY.findall(text)))) or "none"
    out["connects"] = ",".join(sorted({f"{f}:{p}" if p else f for f, p in CONNECT.findall(text)})) or "none"
    return out


def main() -> None:
    for tool in ("Xvfb", "xdotool", "strace"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    rows = []
    xvfb, display = free_display()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for kit, shown in (
                ("tk", "Tk 8.6 (X11)"),
                ("sdl", "pygame-ce/SDL (x11)"),
                ("sdl-gl", "pygame-ce/SDL (x11, GL)"),
            ):
                runs = [run(kit, display, Path(tmp) / f"{kit}{i}.trace") for i in range(3)]
                rows.append((shown, runs))
            runs = [run("sdl", None, Path(tmp) / f"off{i}.trace") for i in range(3)]
            rows.append(("pygame-ce/SDL (offscreen)", runs))
        xvfb_rss = (
            int(
                next(
                    line
                    for line in Path(f"/proc/{xvfb.pid}/status").read_text().splitlines()
                    if line.startswith("VmHWM:")
                ).split()[1]
            )
            // 1024
        )
    finally:
        xvfb.terminate()
        xvfb.wait()
    print(
        f"{'toolkit':28} {'first frame ms':>14} {'peak RSS MB':>11} {'hand-off ms':>11} {'AA levels':>9} "
        f"{'click':>8}  sockets (families; connects)"
    )
    for shown, runs in rows:
        start = statistics.median(float(r["startup_ms"]) for r in runs)
        mem = statistics.median(int(r["MEM"].split()[0]) for r in runs)
        hand = statistics.median(float(r.get("HANDOFF", "nan")) for r in runs)
        levels = runs[0].get("levels", "-")
        click = runs[0].get("CLICKED", "none")
        print(
            f"{shown:28} {start:14.0f} {mem:11d} {hand:11.2f} {levels:>9} {click:>8}  "
            f"{runs[0]['families']}; {runs[0]['connects']}"
        )
    print(f"Xvfb itself (the X server Tk needs; a stand-in for Xorg/Xwayland on a Pi): peak RSS {xvfb_rss} MB")


if __name__ == "__main__":
    main()
