"""Venture philanthropy (公益创投): funding rounds, social organisations' proposals, expert review, awards at 60%
government / 40% self-raised, milestones, disbursements and project evaluations."""
