"""Analytics: KPIs defined once, daily roll-ups, goals and alerts, a history baseline with a savings
replay, and practice mode. Reads the operational tables; writes only its own."""
