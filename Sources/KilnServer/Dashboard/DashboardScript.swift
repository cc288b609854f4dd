/// The dashboard's only script: relative times, and live updates from `/kiln/v1/events` without reloading. A running
/// execution's progress bar, percentage, ETA and step are patched in place; any other change (an execution that
/// starts or ends, an object's status, the sync state, a `reset` after missed events) fetches the page again and
/// swaps its `<main>`, so the server stays the only place that renders.
enum DashboardScript {
    static let source = #"""
        (() => {
          "use strict";
          const live = document.getElementById("live");
          const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
          const times = (root) => {
            for (const t of root.querySelectorAll("time[datetime]")) {
              const d = new Date(t.getAttribute("datetime"));
              if (isNaN(d)) continue;
              const s = (d - Date.now()) / 1000, a = Math.abs(s);
              const [v, u] = a < 60 ? [s, "second"] : a < 3600 ? [s / 60, "minute"] : a < 86400 ? [s / 3600, "hour"] : [s / 86400, "day"];
              t.textContent = rtf.format(Math.round(v), u);
              t.title = d.toLocaleString();
            }
          };
          const span = (x) => {
            const s = Math.max(0, Math.round(x)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
            return h ? `${h} h${m ? ` ${m} min` : ""}` : m ? `${m} min${r ? ` ${r} s` : ""}` : `${r} s`;
          };
          let timer = 0;
          const refresh = () => {
            clearTimeout(timer);
            timer = setTimeout(async () => {
              try {
                const r = await fetch(location.pathname, { headers: { Accept: "text/html" }, cache: "no-cache" });
                if (!r.ok) return;
                const next = new DOMParser().parseFromString(await r.text(), "text/html").getElementById("main");
                if (next) { document.getElementById("main").replaceWith(next); times(next); }
              } catch (_) { /* the next event tries again */ }
            }, 200);
          };
          const progress = (e) => {
            const row = document.querySelector(`[data-execution="${CSS.escape(`${e.build}#${e.buildNumber}`)}"]`);
            if (!row || e.status !== "running" || row.dataset.status !== "running" || !row.querySelector(".bar")) return refresh();
            row.querySelector(".bar").style.width = `${e.statusPercent}%`;
            row.querySelector(".progress").setAttribute("aria-valuenow", e.statusPercent);
            row.querySelector(".pct").textContent = `${e.statusPercent}%`;
            row.querySelector(".eta").textContent = e.statusEta == null ? "" : `ETA ${span(e.statusEta)}`;
            row.querySelector(".step").textContent = e.statusMessage || "";
          };
          times(document);
          setInterval(() => times(document), 30000);
          if (!("EventSource" in window)) return;
          const events = new EventSource("/kiln/v1/events");
          live.hidden = false;
          events.onopen = () => { live.classList.add("on"); live.textContent = "live"; };
          events.onerror = () => { live.classList.remove("on"); live.textContent = "reconnecting"; };
          events.addEventListener("execution", (m) => progress(JSON.parse(m.data)));
          for (const type of ["object", "sync", "reset"]) events.addEventListener(type, refresh);
        })();
        """#
}
