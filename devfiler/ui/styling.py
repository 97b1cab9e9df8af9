"""Applies the dark theme and loads the fonts (the palette itself is theme.py)."""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from devfiler.ui import theme
from devfiler.ui.theme import Fonts


def _rgba(colour: theme.RGB, alpha: int = 255) -> tuple[int, int, int, int]:
    return (*colour, alpha)


def apply_theme() -> None:
    """Dark, flat, low-contrast chrome so the frame colours stand out."""
    with dpg.theme() as global_theme:
        with dpg.theme_component(dpg.mvAll):
            colours = {
                dpg.mvThemeCol_WindowBg: theme.PANEL,
                dpg.mvThemeCol_ChildBg: theme.PANEL,
                dpg.mvThemeCol_PopupBg: (20, 20, 20),
                dpg.mvThemeCol_Text: theme.TEXT,
                dpg.mvThemeCol_TextDisabled: theme.TEXT_DIM,
                dpg.mvThemeCol_FrameBg: (18, 18, 18),
                dpg.mvThemeCol_FrameBgHovered: theme.WIDGET,
                dpg.mvThemeCol_FrameBgActive: theme.WIDGET,
                dpg.mvThemeCol_Button: theme.PANEL,
                dpg.mvThemeCol_ButtonHovered: theme.WIDGET,
                dpg.mvThemeCol_ButtonActive: theme.ACCENT,
                dpg.mvThemeCol_Header: theme.WIDGET,
                dpg.mvThemeCol_HeaderHovered: (60, 60, 60),
                dpg.mvThemeCol_HeaderActive: theme.ACCENT,
                dpg.mvThemeCol_CheckMark: theme.TEXT,
                dpg.mvThemeCol_Border: (60, 60, 60),
                dpg.mvThemeCol_TableHeaderBg: theme.PANEL,
                dpg.mvThemeCol_TableRowBg: (22, 22, 22),
                dpg.mvThemeCol_TableRowBgAlt: (30, 30, 30),
                dpg.mvThemeCol_TableBorderLight: (45, 45, 45),
                dpg.mvThemeCol_TableBorderStrong: (60, 60, 60),
                dpg.mvThemeCol_PlotHistogram: theme.ACCENT,
                dpg.mvThemeCol_TitleBg: theme.PANEL,
                dpg.mvThemeCol_TitleBgActive: (40, 40, 40),
                dpg.mvThemeCol_ScrollbarBg: theme.PANEL,
            }
            for key, colour in colours.items():
                dpg.add_theme_color(key, _rgba(colour))
            dpg.add_theme_style(dpg.mvStyleVar_WindowPadding, 8, 6)
            dpg.add_theme_style(dpg.mvStyleVar_FramePadding, 6, 3)
            dpg.add_theme_style(dpg.mvStyleVar_ItemSpacing, 6, 4)
            dpg.add_theme_style(dpg.mvStyleVar_FrameRounding, 2)
            dpg.add_theme_style(dpg.mvStyleVar_WindowBorderSize, 0)
        with dpg.theme_component(dpg.mvAll):
            dpg.add_theme_color(
                dpg.mvPlotCol_PlotBg, _rgba(theme.BACKGROUND), category=dpg.mvThemeCat_Plots
            )
            dpg.add_theme_color(
                dpg.mvPlotCol_FrameBg, _rgba(theme.PANEL), category=dpg.mvThemeCat_Plots
            )
            dpg.add_theme_color(
                dpg.mvPlotCol_PlotBorder, _rgba(theme.PANEL), category=dpg.mvThemeCat_Plots
            )
            dpg.add_theme_color(
                dpg.mvPlotCol_Line, _rgba(theme.TIMELINE_LINE), category=dpg.mvThemeCat_Plots
            )
            dpg.add_theme_style(dpg.mvPlotStyleVar_PlotPadding, 4, 4, category=dpg.mvThemeCat_Plots)
    dpg.bind_theme(global_theme)


def selected_button_theme() -> int | str:
    """Tab and follow buttons that are on: filled with the accent colour."""
    with dpg.theme() as selected, dpg.theme_component(dpg.mvButton):
        dpg.add_theme_color(dpg.mvThemeCol_Button, _rgba(theme.ACCENT))
        dpg.add_theme_color(dpg.mvThemeCol_ButtonHovered, _rgba(theme.ACCENT_HOVER))
    item: int | str = selected
    return item


def load_fonts() -> Fonts:
    """A monospace TrueType font for everything when the system has one."""
    path = theme.monospace_font_path()
    if path is None:
        return Fonts(ui=0, frame=0, frame_char_width=7.0)
    with dpg.font_registry():
        ui = dpg.add_font(str(path), theme.FONT_SIZE)
        frame = dpg.add_font(str(path), theme.FRAME_FONT_SIZE)
    dpg.bind_font(ui)
    # DejaVu/Noto/Liberation Mono advance 0.6 em per glyph.
    return Fonts(ui=ui, frame=frame, frame_char_width=theme.FRAME_FONT_SIZE * 0.602)
