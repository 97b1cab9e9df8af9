"""The app shell: window, top bar, timeline, tab switching and the frame loop.

Dear PyGui runs in our own loop (`render_dearpygui_frame`), with callbacks
run on this thread too, so every Dear PyGui call happens on the UI thread.
Each frame the shell samples the store's change counter (at most once a
second), moves a following time range, builds the Selection every tab uses
(whose range follows only when new data arrived or every few seconds) and
lets the shown tab request and draw its results. With DEVFILER_UI_STATE set
to a path, the shell writes its visible state there as JSON whenever it
changes, so automation driving the window can check what happened.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib.resources import as_file, files
from pathlib import Path

import dearpygui.dearpygui as dpg

from devfiler import __version__
from devfiler.analysis.ignore_file import ignore_path
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import Selection
from devfiler.analysis.shape_options import PLAIN, StackShape
from devfiler.analysis.shaped_profiles import ShapedProfiles
from devfiler.model import SampleKind
from devfiler.services.database import IngestBatch, Store
from devfiler.services.symbols import is_symbol_source
from devfiler.ui.add_data import AddDataWindow
from devfiler.ui.background import Background
from devfiler.ui.context_filters import FilterList
from devfiler.ui.double_click import PRESSES, DoubleClicks
from devfiler.ui.drawn import drawn_at
from devfiler.ui.file_dialog import FileDialog, Purpose
from devfiler.ui.file_drop import FileDrop
from devfiler.ui.filter_bar import FilterBar
from devfiler.ui.frame_pacer import FramePacer, GlfwEvents
from devfiler.ui.glfw import library as glfw_library
from devfiler.ui.ignore_panel import IgnorePanel
from devfiler.ui.input_events import InputEvents
from devfiler.ui.profile_import import ProfileImport
from devfiler.ui.samples_window import SamplesWindow
from devfiler.ui.source_window import SourceWindow
from devfiler.ui.styling import apply_theme, load_fonts, selected_button_theme
from devfiler.ui.tabs import Shared, Tab
from devfiler.ui.theme import Fonts
from devfiler.ui.time_range import FOLLOW_CHOICES, TimeRange
from devfiler.ui.timeline import TimelineStrip
from devfiler.ui.view_state import (
    SAVE_EVERY_SECONDS,
    ViewState,
    read_view_state,
    write_view_state,
)

WIDTH = 1500
HEIGHT = 900
CHANGE_POLL_SECONDS = 1.0
AHEAD_SECONDS = 0.25
"""How long a tick waits for the views' next results before drawing without them."""
COMPUTING = "computing..."
COMPUTING_COLOR = (240, 190, 80)
SCREENSHOT_TIMEOUT_SECONDS = 120.0
DROP_TAB = "executables"
OPEN_HINT = (
    "pprof (gzipped\nor not), OTLP\nrequests (.binpb),\ncollapsed stacks.\n\n"
    "Ctrl/Shift+click\nselects several."
)
SAMPLE_KINDS: dict[str, frozenset[SampleKind]] = {
    "Mixed": frozenset(SampleKind),
    "On CPU": frozenset({SampleKind.ON_CPU}),
    "Off CPU": frozenset({SampleKind.OFF_CPU}),
    "UProbe": frozenset({SampleKind.UPROBE}),
}
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WindowOptions:
    """How the window starts: range, tab, developer mode, and an optional screenshot."""

    time_range: TimeRange
    tab: str | None = None
    """The tab to open; None opens the one the saved view names (else the flamegraph)."""
    source_roots: tuple[tuple[str, str], ...] = ()
    """`--source-root OLD=NEW` pairs: where the source view reads files recorded under OLD."""
    view_file: Path | None = None
    """Where the view is kept between runs (ui/view_state.py); None keeps nothing."""
    dev_mode: bool = False
    screenshot: Path | None = None
    tls: bool = False
    """The collector serves TLS: "Add data" shows the agent command without -disable-tls."""


class App:
    def __init__(
        self,
        store: Store,
        tabs: Sequence[Tab],
        options: WindowOptions,
        symbols: SymbolLookup | None = None,
        announce: Callable[[IngestBatch], None] | None = None,
    ) -> None:
        self.tabs = list(tabs)
        self.options = options
        self.time_range = options.time_range
        saved = read_view_state(options.view_file) if options.view_file else ViewState()
        self.current = options.tab or saved.tab or "flamegraph"
        self.kind_name = saved.kind if saved.kind in SAMPLE_KINDS else "Mixed"
        self.work = Background()
        self.shared = Shared(
            store=store,
            work=self.work,
            profiles=ShapedProfiles(store, symbols),
            selection=make_selection(self.time_range, self.kind_name, FilterList(), inline=True),
            change=store.change_counter(),
            dev_mode=options.dev_mode,
            fonts=Fonts(ui=0, frame=0, frame_char_width=7.0),
            capturing=options.screenshot is not None,
            symbols=symbols,
            inline=saved.inline,
            shape=StackShape(merge_recursion=saved.merge_recursion, focus=saved.focus),
        )
        self.clock: Callable[[], int] = time.time_ns
        """Now, in ns since the epoch, for a range following the present."""
        self._results_range: TimeRange | None = None
        """The range the views compute for (TimeRange.results_range)."""
        self._results_change = self.shared.change
        self.timeline = TimelineStrip(self.time_range.start_ns)
        self.filter_bar = FilterBar()
        self.filter_bar.filters = saved.filters
        for tab in self.tabs:
            restore = getattr(tab, "restore_view", None)
            if restore is not None and tab.id in saved.tabs:
                restore(saved.tabs[tab.id])
        self._saved_view = saved
        self._view_saved_at = 0.0
        self.add_data = AddDataWindow(options.tls)
        self.ignore_panel = IgnorePanel(ignore_path())
        self.samples = SamplesWindow()
        self.source = SourceWindow(options.source_roots)
        self._polled_at = time.monotonic()
        self._tab_buttons: dict[str, int | str] = {}
        self._tab_groups: dict[str, int | str] = {}
        self._follow_buttons: dict[int, int | str] = {}
        self._selected_theme: int | str = 0
        self._title: list[int | str] = []
        self._right: int | str = 0
        self._computing: int | str = 0
        self._computing_shown = False
        self._drops: FileDrop | None = None
        self.imports = ProfileImport(announce)
        self._open_dialog = FileDialog(
            "Open profile", Purpose.OPEN, self.imports.add, hint=OPEN_HINT
        )
        self._open_button: int | str = 0
        self._ignore_button: int | str = 0
        self._import_status: int | str = 0
        self._state_path = os.environ.get("DEVFILER_UI_STATE")
        self._last_state = ""
        self._pacer = FramePacer(None, self.work.busy)
        self._inputs: InputEvents | None = None
        self._add_data_until_data = False
        self._double_clicks = DoubleClicks()
        self._tab_drawn = False
        """The shown tab has drawn a result since the window opened."""
        self.frames = 0
        """Frames drawn since the window opened (automation checks that an idle window sleeps)."""

    # -- building --------------------------------------------------------

    def _build(self) -> None:
        self.shared.fonts = load_fonts()
        apply_theme()
        self._selected_theme = selected_button_theme()
        with dpg.window(tag="devfiler-main", no_scrollbar=True) as main:
            with dpg.group(horizontal=True):
                self._title = [self._add_icon(), dpg.add_text("devfiler")]
                for tab in self.tabs:
                    self._tab_buttons[tab.id] = dpg.add_button(
                        label=tab.title, callback=self._select_tab, user_data=tab.id
                    )
                dpg.add_button(label="Add data", callback=self._toggle_add_data)
                self._ignore_button = dpg.add_button(
                    label="Ignore list", callback=self._toggle_ignore_panel
                )
                self._open_button = dpg.add_button(
                    label="Open profile...", callback=self._open_profile
                )
                self._import_status = dpg.add_text("", color=(150, 150, 150))
                self._computing = dpg.add_text("", color=COMPUTING_COLOR)
            with dpg.group(horizontal=True) as self._right:
                dpg.add_combo(
                    list(SAMPLE_KINDS),
                    default_value=self.kind_name,
                    width=90,
                    callback=self._set_kind,
                )
                dpg.add_text("Last:")
                for label, duration in FOLLOW_CHOICES[::-1]:
                    self._follow_buttons[duration] = dpg.add_button(
                        label=label, callback=self._toggle_follow, user_data=duration
                    )
            self.timeline.build(main)
            self.filter_bar.build(main)
            for tab in self.tabs:
                with dpg.group(show=False) as group:
                    tab.build(group, self.shared)
                self._tab_groups[tab.id] = group
        dpg.set_primary_window(main, True)
        self.add_data.build(WIDTH, HEIGHT)
        self.ignore_panel.build(WIDTH)
        self.samples.build(WIDTH, HEIGHT)
        self.source.build(WIDTH, HEIGHT)

    def _add_icon(self) -> int | str:
        with as_file(files("devfiler.resources").joinpath("icon.png")) as path:
            width, height, _, data = dpg.load_image(str(path))
        with dpg.texture_registry():
            texture = dpg.add_static_texture(width, height, data)
        image: int | str = dpg.add_image(texture, width=20, height=20)
        return image

    # -- callbacks (run on this thread by run_callbacks) ------------------

    def _select_tab(self, sender: int | str, app_data: object, tab_id: str) -> None:
        self.current = tab_id

    def _toggle_add_data(self) -> None:
        self._add_data_until_data = False
        self.add_data.show(not self.add_data.shown)

    def _toggle_ignore_panel(self) -> None:
        self.ignore_panel.show(not self.ignore_panel.shown)

    def _open_profile(self) -> None:
        self._open_dialog.open()

    def _set_kind(self, sender: int | str, name: str) -> None:
        self.kind_name = name

    def _toggle_follow(self, sender: int | str, app_data: object, duration: int) -> None:
        if self.time_range.follow_ns == duration:
            self.time_range = replace(self.time_range, follow_ns=None)
        else:
            self.time_range = TimeRange.following(duration, self.clock())

    def _on_wheel(self, sender: int | str, steps: float) -> None:
        self.shared.wheel += float(steps)

    # -- each frame --------------------------------------------------------

    def _take_drops(self) -> None:
        """Dropped ELF files and folders go to the Executables tab, which ingests their
        symbols; other files are opened as profiles."""
        dropped = self._drops.take() if self._drops is not None else []
        symbols = [path for path in dropped if is_symbol_source(path)]
        self.imports.add([path for path in dropped if path not in symbols])
        if symbols:
            self.shared.dropped.extend(symbols)
            self.shared.request_tab = DROP_TAB

    def _frame(self) -> None:
        PRESSES.next_frame(dpg.is_mouse_button_clicked(dpg.mvMouseButton_Left))
        self._take_drops()
        self._open_dialog.follow()
        self.imports.update(self.shared)
        dpg.set_value(self._import_status, self.imports.summary())
        now = time.monotonic()
        if self.options.screenshot is None:
            # A screenshot shows one moment: a range that kept moving would never settle.
            self.time_range = self.time_range.advanced(self.clock())
        if self.shared.request_range is not None:
            self.time_range = self.time_range.frozen(*self.shared.request_range)
            self.shared.request_range = None
        self._toggle_dev_mode()
        self.filter_bar.update()
        if dpg.is_key_pressed(dpg.mvKey_F2):
            self.ignore_panel.toggle()
        self.ignore_panel.update()
        self.shared.shape = replace(self.shared.shape, ignore=self.ignore_panel.active)
        # The timeline asks for its data with this frame's selection, like the tabs,
        # once the shown tab has drawn its first result: on two cores its reading
        # would otherwise delay that.
        self._select()
        moved = self.timeline.update(self.shared, self.time_range, fetch=self._tab_drawn)
        if moved is not None:
            self.time_range = moved
            self._select()
        if self.shared.request_tab is not None:
            self.current, self.shared.request_tab = self.shared.request_tab, None
        visible = [tab for tab in self.tabs if tab.visible(self.shared.dev_mode)]
        if self.current not in {tab.id for tab in visible}:
            self.current = visible[0].id
        for tab in self.tabs:
            shown = tab in visible
            dpg.configure_item(self._tab_buttons[tab.id], show=shown)
            dpg.configure_item(self._tab_groups[tab.id], show=tab.id == self.current)
            dpg.bind_item_theme(
                self._tab_buttons[tab.id], self._selected_theme if tab.id == self.current else 0
            )
        for duration, button in self._follow_buttons.items():
            on = self.time_range.follow_ns == duration
            dpg.bind_item_theme(button, self._selected_theme if on else 0)
        width = dpg.get_viewport_client_width()
        dpg.set_item_pos(self._right, (max(width - 290, 600), 8))
        self._current_tab().update(self.shared)
        self._tab_drawn = self._tab_drawn or self._current_tab().settled(self.shared)
        if self.shared.request_samples is not None:
            self.samples.open(self.shared.request_samples)
            self.shared.request_samples = None
        self.samples.update(self.shared)
        if self.shared.request_source is not None:
            self.source.open(self.shared.request_source)
            self.shared.request_source = None
        self.source.update(self.shared)
        self._show_computing(not self._current_tab().settled(self.shared))
        self.shared.wheel = 0.0
        self._write_state()
        self._keep_view(now)

    def view(self) -> ViewState:
        """What the next run of the window on this data folder starts with."""
        parts = {}
        for tab in self.tabs:
            part = getattr(tab, "view_state", None)
            if part is not None:
                parts[tab.id] = part()
        return ViewState(
            tab=self.current,
            kind=self.kind_name,
            filters=self.filter_bar.filters,
            inline=self.shared.inline,
            merge_recursion=self.shared.shape.merge_recursion,
            focus=self.shared.shape.focus,
            tabs=parts,
        )

    def _keep_view(self, now: float, *, closing: bool = False) -> None:
        if self.options.view_file is None:
            return
        if not closing and now - self._view_saved_at < SAVE_EVERY_SECONDS:
            return
        view = self.view()
        if view != self._saved_view:
            write_view_state(self.options.view_file, view)
            self._saved_view, self._view_saved_at = view, now

    def _show_computing(self, computing: bool) -> None:
        """Say so while the tab still shows the previous selection's picture."""
        if computing != self._computing_shown:
            dpg.set_value(self._computing, COMPUTING if computing else "")
            self._computing_shown = computing

    def _close_add_data_on_first_data(self) -> None:
        """The window opened by itself on an empty store has done its job once samples arrive."""
        if self._add_data_until_data and not store_is_empty(self.shared.store):
            self._add_data_until_data = False
            self.add_data.show(False)
            _log.info('first samples arrived; the "Add data" button shows how to add more')

    def _select(self) -> None:
        new_data = self.shared.change != self._results_change
        self._results_range = self.time_range.results_range(self._results_range, new_data=new_data)
        self._results_change = self.shared.change
        self.shared.selection = make_selection(
            self._results_range,
            self.kind_name,
            self.filter_bar.filters,
            inline=self.shared.inline,
            shape=self.shared.shape,
        )

    def _toggle_dev_mode(self) -> None:
        if self._double_clicks.seen() and any(dpg.is_item_hovered(item) for item in self._title):
            self.shared.dev_mode = not self.shared.dev_mode

    def _current_tab(self) -> Tab:
        return next(tab for tab in self.tabs if tab.id == self.current)

    def settled(self) -> bool:
        """Every visible result is computed for the current inputs and drawn."""
        return (
            not self.imports.busy()
            and self.timeline.settled(self.shared)
            and self._current_tab().settled(self.shared)
            and self.samples.settled(self.shared)
            and self.source.settled(self.shared)
        )

    def state(self) -> dict[str, object]:
        tab_state = getattr(self._current_tab(), "state", None)
        return {
            "tab": self.current,
            "dev_mode": self.shared.dev_mode,
            "tabs": [t.id for t in self.tabs if t.visible(self.shared.dev_mode)],
            "following": self.time_range.follow_ns,
            "settled": self.settled(),
            "add_data": self.add_data.shown,
            "file_drop": self._drops is not None,
            "time_range": [self.time_range.start_ns, self.time_range.end_ns],
            "results_range": [self.shared.selection.start_ns, self.shared.selection.end_ns],
            "title_at": drawn_at(self._title[1]),
            "tabs_at": {tab_id: drawn_at(button) for tab_id, button in self._tab_buttons.items()},
            "timeline": self.timeline.area(),
            "filters": self.filter_bar.state(),
            "ignore": self.ignore_panel.state(),
            "samples": self.samples.state(),
            "source": self.source.state(),
            "shape": {
                "ignore": len(self.shared.selection.shape.ignore),
                "merge_recursion": self.shared.selection.shape.merge_recursion,
                "focus": self.shared.selection.shape.focus,
            },
            "ignore_button_at": drawn_at(self._ignore_button),
            "frames": self.frames,
            "open_at": drawn_at(self._open_button),
            "open_dialog": self._open_dialog.rect(),
            "opened": self.imports.summary(),
            self.current: tab_state() if tab_state is not None else {},
        }

    def _write_state(self) -> None:
        if not self._state_path:
            return
        text = json.dumps(self.state(), sort_keys=True)
        if text != self._last_state:
            self._last_state = text
            tmp = Path(self._state_path + ".tmp")
            tmp.write_text(text)
            tmp.replace(self._state_path)

    # -- the loop ----------------------------------------------------------

    def open(self) -> None:
        """Create the window; pair with close()."""
        dpg.create_context()
        dpg.configure_app(manual_callback_management=True)
        dpg.create_viewport(title=f"devfiler v{__version__}", width=WIDTH, height=HEIGHT)
        self._build()
        with dpg.handler_registry():
            dpg.add_mouse_wheel_handler(callback=self._on_wheel)
        dpg.setup_dearpygui()
        dpg.show_viewport()
        self._drops = FileDrop.install()
        self.shared.drop_available = self._drops is not None
        glfw = glfw_library()
        if glfw is not None:
            self._inputs = InputEvents.install(glfw, PRESSES.pressed)
            self._pacer = FramePacer(GlfwEvents(glfw), self.work.busy, self._inputs)
        self._pacer.always = self._pacer.always or self.options.screenshot is not None
        self.work.on_done = self._pacer.result_landed
        if store_is_empty(self.shared.store):
            self.add_data.show(True)
            self._add_data_until_data = True

    def step(self) -> None:
        """One frame: update what changed, render, run the callbacks it produced."""
        self._poll_change()
        self._refresh_ahead()
        with self.work.frame():
            self._frame()
            dpg.render_dearpygui_frame()
        self.frames += 1
        dpg.run_callbacks(dpg.get_callback_queue())

    def _poll_change(self) -> None:
        """Sample the store's change counter, at most once a second."""
        now = time.monotonic()
        if now - self._polled_at >= CHANGE_POLL_SECONDS:
            self._polled_at = now
            change = self.shared.store.change_counter()
            if change != self.shared.change:
                self.shared.change = change
                self._close_add_data_on_first_data()

    def _refresh_ahead(self) -> None:
        """Compute the views' next results before the frame that moves the views to them.

        While the window follows the present with nobody at it, the views
        move on a tick (new data, or 5 s without). Asking for the shown tab's
        and the timeline's results first, and waiting a moment for them, lets
        that tick's frame show them. Otherwise the tick draws the old picture
        and another frame follows a moment later: a frame costs a software
        renderer as much as the refresh itself.
        """
        prefetch = getattr(self._current_tab(), "prefetch", None)
        quiet = self.options.screenshot is None and self._tab_drawn and self._pacer.idle()
        if prefetch is None or not quiet or self.time_range.follow_ns is None:
            return
        new_data = self.shared.change != self._results_change
        ahead = self.time_range.advanced(self.clock()).results_range(
            self._results_range, new_data=new_data
        )
        if ahead == self._results_range:
            return
        moved = replace(self.shared.selection, start_ns=ahead.start_ns, end_ns=ahead.end_ns)
        upcoming = replace(self.shared, selection=moved)
        jobs = [prefetch(upcoming), self.timeline.prefetch(upcoming)]
        self.work.wait_ready(jobs, AHEAD_SECONDS)
        self._pacer.results_shown()

    def pace(self, began: float) -> None:
        """Sleep after a frame that began at `began` (monotonic) until the next is due."""
        self._pacer.wait(began, self.next_tick())

    def next_tick(self) -> float:
        """When (monotonic) the window must draw even if nothing happens.

        At the next wall-clock second: the store's change poll and a
        following range both move in whole seconds. Sooner when the
        timeline waits for a drag to settle.
        """
        now = time.monotonic()
        tick = now + 1.0 - time.time() % 1.0 + 0.001
        settle = self.timeline.due()
        return min(tick, settle) if settle is not None else tick

    def close(self) -> None:
        self._keep_view(time.monotonic(), closing=True)
        self.work.close()
        dpg.destroy_context()

    def run(self) -> int:
        """The frame loop, until the window closes or the screenshot is saved."""
        self.open()
        try:
            shot = _Screenshot(self.options.screenshot) if self.options.screenshot else None
            while dpg.is_dearpygui_running():
                began = time.monotonic()
                self.step()
                if shot is not None:
                    done = shot.step(self.settled())
                    if done is not None:
                        return done
                self.pace(began)
            return 0
        finally:
            self.close()


class _Screenshot:
    """Saves the frame buffer once the window has settled, then ends the loop."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.unlink(missing_ok=True)
        self.started = time.monotonic()
        self.frames = 0
        self.shoot_at: int | None = None

    def step(self, settled: bool) -> int | None:
        """Called after each frame; an exit status once the PNG is written."""
        self.frames += 1
        if self.shoot_at is None and settled:
            # A few more frames so new draw items and textures reach the frame buffer.
            self.shoot_at = self.frames + 3
        if self.frames == self.shoot_at:
            dpg.output_frame_buffer(file=str(self.target))
        written = self.target.exists() and self.target.stat().st_size > 0
        if self.shoot_at is not None and self.frames > self.shoot_at + 1 and written:
            return 0
        if time.monotonic() - self.started > SCREENSHOT_TIMEOUT_SECONDS:
            _log.error("the window did not settle within %.0f s", SCREENSHOT_TIMEOUT_SECONDS)
            return 1
        return None


def make_selection(
    time_range: TimeRange,
    kind_name: str,
    filters: FilterList,
    *,
    inline: bool,
    shape: StackShape = PLAIN,
) -> Selection:
    return Selection(
        time_range.start_ns,
        time_range.end_ns,
        kinds=SAMPLE_KINDS[kind_name],
        include=filters.include,
        exclude=filters.exclude,
        inline=inline,
        shape=shape,
    )


def store_is_empty(store: Store) -> bool:
    return next(iter(store.block_summaries()), None) is None
