/// The dashboard's stylesheet: system fonts, a light and a dark palette (`prefers-color-scheme`), and a narrow layout
/// below 760 px where tables become stacked cards, so that the page reads well from a phone (390 px) to a desktop.
enum DashboardStyle {
    static let css = """
        :root{--bg:#f6f7f9;--card:#fff;--fg:#1f2328;--muted:#636c76;--line:#d8dee4;--soft:#eff2f5;--accent:#e8590c;\
        --ok:#1a7f37;--ok-bg:#dcf5e3;--busy:#0969da;--busy-bg:#ddf4ff;--bad:#cf222e;--bad-bg:#ffebe9;--idle:#59636e;\
        --idle-bg:#eaeef2;--link:#0969da;--shadow:0 1px 2px rgba(31,35,40,.06)}
        @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;\
        --soft:#21262d;--accent:#f0883e;--ok:#3fb950;--ok-bg:rgba(46,160,67,.16);--busy:#58a6ff;--busy-bg:rgba(56,139,253,.16);\
        --bad:#ff7b72;--bad-bg:rgba(248,81,73,.14);--idle:#9198a1;--idle-bg:rgba(110,118,129,.22);--link:#58a6ff;--shadow:none}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",\
        "DejaVu Sans",sans-serif}
        a{color:var(--link);text-decoration:none}
        a:hover{text-decoration:underline}
        code{font:12.5px/1.4 ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace}
        .top{position:sticky;top:0;z-index:2;display:flex;align-items:center;gap:14px;padding:10px 24px;background:var(--card);\
        border-bottom:1px solid var(--line)}
        .brand{display:flex;align-items:center;gap:8px;font-weight:700;font-size:16px;color:var(--fg)}
        .brand:hover{text-decoration:none}
        .logo{width:18px;height:18px;border-radius:5px;background:linear-gradient(135deg,#fb923c,#c2410c 60%,#7c2d12)}
        .where{flex:1;min-width:0;color:var(--muted);font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
        .live{display:flex;align-items:center;gap:6px;font-size:12px;color:var(--muted)}
        .live[hidden]{display:none}
        .live::before{content:"";width:8px;height:8px;border-radius:50%;background:var(--idle)}
        .live.on::before{background:var(--ok);box-shadow:0 0 0 3px var(--ok-bg)}
        main{max-width:1200px;margin:0 auto;padding:20px 24px 8px}
        .card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 14px;\
        box-shadow:var(--shadow)}
        .card.flush{padding:0;overflow:hidden}
        h2{font-size:15px;margin:0 0 10px}
        h2.section{display:flex;align-items:center;gap:8px;font-size:17px;margin:28px 0 12px}
        h3{font-size:15px;margin:0}
        .count{font-size:12px;font-weight:600;color:var(--muted);background:var(--soft);border-radius:10px;padding:1px 8px}
        .badge{display:inline-block;font-size:12px;font-weight:600;line-height:20px;padding:0 8px;border-radius:10px;\
        white-space:nowrap;vertical-align:1px;background:var(--idle-bg);color:var(--idle)}
        .badge.ok{background:var(--ok-bg);color:var(--ok)}
        .badge.busy{background:var(--busy-bg);color:var(--busy)}
        .badge.bad{background:var(--bad-bg);color:var(--bad)}
        .meta{color:var(--muted);font-size:12.5px}
        .muted,.dim{color:var(--muted)}
        .why{color:var(--muted);margin:6px 0 0}
        .error{color:var(--bad)}
        .summary{margin:6px 0 0}
        .nowrap{white-space:nowrap}
        .banner{background:var(--bad-bg);border:1px solid var(--bad);border-radius:10px;padding:14px 18px;margin:0 0 14px}
        .banner h2{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;margin:0 0 2px}
        .banner p{margin:4px 0}
        .problems{list-style:none;margin:10px 0 6px;padding:0}
        .problems li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:4px 0;\
        overflow-wrap:anywhere}
        .problems code{color:var(--bad);font-weight:600}
        .field{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px;color:var(--muted)}
        .hint{font-size:12.5px;color:var(--muted)}
        .sync{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:14px 20px}
        .label{font-size:11px;font-weight:600;letter-spacing:.05em;text-transform:uppercase;color:var(--muted);margin-bottom:3px}
        .value{font-weight:500;overflow-wrap:anywhere}
        .msg{font-weight:400}
        .wrap{overflow-wrap:anywhere}
        .attention .items{list-style:none;margin:0;padding:0}
        .attention li{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 10px;padding:8px 0;border-top:1px solid var(--line)}
        .attention li:first-child{border-top:0;padding-top:2px}
        .attention .why{margin:0;flex:1 1 260px}
        .kind{color:var(--muted);font-weight:500}
        .obj{font-weight:600;color:var(--fg)}
        .more{font-size:12.5px}
        .card-head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px}
        .card-head .meta{margin-left:auto}
        table{width:100%;border-collapse:collapse}
        th{text-align:left;font-size:11px;font-weight:600;letter-spacing:.05em;text-transform:uppercase;color:var(--muted);\
        padding:8px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
        td{padding:9px 10px;border-bottom:1px solid var(--line);vertical-align:top}
        tbody tr:last-child td{border-bottom:0}
        .runs{margin-top:12px}
        .runs th:first-child,.runs td:first-child{padding-left:0}
        .runs th:last-child,.runs td:last-child{padding-right:0}
        .grid th:first-child,.grid td:first-child{padding-left:18px}
        .grid th:last-child,.grid td:last-child{padding-right:18px}
        .num{font-weight:600;white-space:nowrap}
        .progress-cell{min-width:220px}
        .progress{height:8px;background:var(--soft);border-radius:4px;overflow:hidden;margin-top:6px}
        .bar{height:100%;background:var(--busy);border-radius:4px;transition:width .6s ease}
        .progress-text{display:flex;flex-wrap:wrap;gap:0 8px;margin-top:3px;font-size:12.5px}
        .pct{font-weight:600}
        .eta,.step{color:var(--muted)}
        .chip{display:inline-block;font-size:12px;line-height:18px;padding:1px 8px;border:1px solid var(--line);border-radius:6px;\
        margin:1px 2px 1px 0;color:var(--fg);white-space:nowrap}
        .chip span{color:var(--muted)}
        .chip.current{border-color:var(--ok);box-shadow:inset 0 0 0 1px var(--ok)}
        .button{display:inline-block;font-size:12.5px;font-weight:600;padding:4px 12px;border:1px solid var(--line);\
        border-radius:6px;background:var(--soft);color:var(--fg);white-space:nowrap}
        .button:hover{text-decoration:none;border-color:var(--muted)}
        .actions{text-align:right;white-space:nowrap}
        .foot{max-width:1200px;margin:0 auto;padding:14px 24px 32px;display:flex;flex-wrap:wrap;gap:6px 16px;color:var(--muted);\
        font-size:12.5px}
        .foot nav{display:flex;flex-wrap:wrap;gap:4px 12px}
        .crumbs{font-size:13px;color:var(--muted);margin:0 0 12px}
        .lineage-head h2{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;font-size:17px}
        .lineage-head p:last-child{margin-bottom:0}
        .chain{list-style:none;margin:18px 0 0 8px;padding:0 0 0 18px;border-left:2px solid var(--line)}
        .node{position:relative;display:grid;grid-template-columns:100px minmax(0,1fr);gap:4px 12px;background:var(--card);\
        border:1px solid var(--line);border-radius:10px;padding:12px 16px;margin:0 0 12px}
        .node::before{content:"";position:absolute;left:-26px;top:16px;width:10px;height:10px;border-radius:50%;\
        background:var(--bg);border:2px solid var(--muted)}
        .node.current{border-color:var(--accent);box-shadow:0 0 0 1px var(--accent)}
        .node.current::before{background:var(--accent);border-color:var(--accent)}
        .node-type{font-size:11px;font-weight:600;letter-spacing:.05em;text-transform:uppercase;color:var(--muted);padding-top:2px}
        .node-title{font-weight:600;overflow-wrap:anywhere}
        .detail{font-size:12.5px;overflow-wrap:anywhere}
        .dl{color:var(--muted)}
        .children{list-style:none;margin:6px 0 0;padding:0}
        .children li{margin:4px 0;font-size:12.5px;overflow-wrap:anywhere}
        .end{margin:4px 0 0 28px}
        @media (max-width:760px){
        .top{padding:10px 14px;gap:10px}
        main{padding:14px 12px 4px}
        .card{padding:14px}
        .sync{grid-template-columns:1fr 1fr;gap:12px 14px}
        .card-head .meta{margin-left:0;flex-basis:100%}
        table,thead,tbody,tr,td{display:block}
        thead{display:none}
        td{border:0;padding:3px 0}
        td[data-label]{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 8px}
        td[data-label]::before{content:attr(data-label);flex:0 0 76px;font-size:11px;font-weight:600;letter-spacing:.05em;\
        text-transform:uppercase;color:var(--muted)}
        .runs tr{display:grid;grid-template-columns:auto minmax(0,1fr) auto;grid-template-areas:"num status started" \
        "progress progress progress" "by by took" "files files files";align-items:baseline;gap:4px 10px;padding:10px 0;\
        border-top:1px solid var(--line)}
        .runs tbody tr:first-child{border-top:0}
        .runs td,.runs td[data-label]{display:block;padding:0}
        .runs td::before{display:none}
        .runs .num{grid-area:num}
        .runs .c-status{grid-area:status}
        .runs .c-started{grid-area:started;text-align:right;color:var(--muted);font-size:12.5px}
        .runs .progress-cell{grid-area:progress;min-width:0}
        .runs .c-by{grid-area:by;font-size:12.5px}
        .runs .c-took{grid-area:took;text-align:right;color:var(--muted);font-size:12.5px}
        .runs .c-took::before{display:inline;content:"took ";font:inherit;text-transform:none;letter-spacing:0;color:inherit}
        .runs .c-took:has(.muted){display:none}
        .runs .c-files{grid-area:files}
        .progress{margin-top:2px}
        .grid tr{padding:12px 14px;border-top:1px solid var(--line)}
        .grid tbody tr:first-child{border-top:0}
        .grid td,.grid td:first-child,.grid td:last-child{padding:3px 0}
        .grid td.name{display:block;padding-bottom:6px}
        .grid td.name::before{display:none}
        .actions{text-align:left;padding-top:8px!important}
        .node{grid-template-columns:minmax(0,1fr)}
        .foot{padding:12px 14px 24px}
        }
        @media (max-width:420px){.sync{grid-template-columns:minmax(0,1fr)}.where{display:none}}
        """
}
