"""Advantage-led three-society linkage (优势主导型"三社联动"): community committees, social organisations and
social workers. Needs are collected, referred to the party best placed to lead, worked as tasks, discussed at
regular three-party meetings, and closed with the resident's feedback."""
