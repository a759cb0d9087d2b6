"""Order management: the OMS (journal first, then send), routing, and execution algorithms."""
