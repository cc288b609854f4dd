/// The dashboard's Mustache templates (hummingbird-project/swift-mustache), kept in Swift so that the server needs
/// no resource files at run time. `{{x}}` is HTML-escaped; `{{{x}}}` is used only for the page's own CSS, script
/// and already-rendered body. Inside a section, optional fields are read as `{{#.field}}`, so that a nil value is not
/// looked up in an outer object instead.
enum DashboardTemplates {
    static let all: [String: String] = [
        "layout": layout, "dashboard": dashboard, "lineage": lineage, "notFound": notFound,
        "execution": execution, "time": time, "node": node
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>{{title}}</title>
        <link rel="icon" href="data:,">
        <style>{{{css}}}</style>
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/"><span class="logo" aria-hidden="true"></span>Kiln</a>
        <span class="where">{{subtitle}}</span>
        <span id="live" class="live" title="Live updates from /kiln/v1/events" hidden>live</span>
        </header>
        <main id="main">
        {{{body}}}
        </main>
        <footer class="foot">Read-only: change things through git.
        <nav><a href="/kiln/v1/sync">sync</a> <a href="/api/image-builds">Morpheus</a> <a href="/rest/images?api-version=3">MWS</a> <a href="/api">Deltacloud</a> <a href="/vms">VMs</a> <a href="/metrics">metrics</a></nav>
        </footer>
        <script>{{{script}}}</script>
        </body>
        </html>

        """

    static let time = """
        <time datetime="{{iso}}" title="{{text}}">{{text}}</time>
        """

    static let dashboard = """
        {{#sync.refused}}
        <section class="banner" id="refused" role="alert">
        <h2><span class="badge bad">Refused</span> Commit <code title="{{commit.id}}">{{commit.short}}</code> was not applied: {{reason}}</h2>
        <p class="meta">{{#commit.message}}“{{.}}”{{/commit.message}}{{#commit.author}} by {{.}}{{/commit.author}}{{#commit.at}} · {{> time}}{{/commit.at}}</p>
        {{^empty(problems)}}<ul class="problems">{{#problems}}<li><code>{{place}}</code>{{#.field}} <span class="field">{{.}}</span>{{/.field}} <span>{{message}}</span></li>{{/problems}}</ul>{{/empty(problems)}}
        {{#.detail}}<p>{{.}}</p>{{/.detail}}
        {{^empty(deletions)}}<p>It would delete:</p><ul class="problems">{{#deletions}}<li><code>{{.}}</code></li>{{/deletions}}</ul>{{/empty(deletions)}}
        <p class="hint">Kiln keeps running the last applied commit until a newer commit fixes this.</p>
        </section>
        {{/sync.refused}}
        <section class="card sync" id="sync">
        <div class="cell">
        <div class="label">Applied commit</div>
        {{#sync.applied}}<div class="value"><code title="{{id}}">{{short}}</code>{{#.message}} <span class="msg">{{.}}</span>{{/.message}}</div>
        <div class="meta">{{#.author}}{{.}}{{/.author}}{{#.at}} · {{> time}}{{/.at}}</div>{{/sync.applied}}
        {{^sync.applied}}<div class="value muted">none yet</div>{{/sync.applied}}
        </div>
        <div class="cell">
        <div class="label">Newest commit seen</div>
        {{#sync.seen}}<div class="value"><code title="{{id}}">{{short}}</code> {{#sync.behind}}<span class="badge bad">not applied</span>{{/sync.behind}}{{^sync.behind}}<span class="badge ok">applied</span>{{/sync.behind}}</div>
        <div class="meta">{{#.at}}{{> time}}{{/.at}}</div>{{/sync.seen}}
        {{^sync.seen}}<div class="value muted">none yet</div>{{/sync.seen}}
        </div>
        <div class="cell">
        <div class="label">Source</div>
        <div class="value"><code class="wrap">{{sync.source}}</code></div>
        <div class="meta">branch {{sync.branch}}{{#sync.path}} · path {{.}}{{/sync.path}}</div>
        </div>
        <div class="cell">
        <div class="label">Last pass</div>
        <div class="value">{{#sync.lastRunResult}}{{.}}{{/sync.lastRunResult}}{{^sync.lastRunResult}}<span class="muted">not yet</span>{{/sync.lastRunResult}}</div>
        <div class="meta">{{#sync.lastRun}}{{> time}}{{/sync.lastRun}} · {{readyCount}} of {{objectCount}} ready{{#running}} · {{running}} running{{/running}}</div>
        </div>
        </section>
        {{#hasAttention}}
        <section class="card attention" id="attention">
        <h2>Needs attention <span class="count">{{count(attention)}}</span></h2>
        <ul class="items">
        {{#attention}}<li data-object="{{kind}}/{{name}}"><span class="badge {{badge.tone}}">{{badge.text}}</span> <a class="obj" href="#{{links.anchor}}"><span class="kind">{{kind}}</span> {{name}}</a> <span class="why">{{badge.message}}</span> <a class="more" href="{{links.lineage}}">lineage</a></li>
        {{/attention}}
        </ul>
        </section>
        {{/hasAttention}}
        {{#empty}}<section class="card"><p class="muted">The catalog is empty: Kiln has applied no ImageBuild, Image or VirtualMachine yet.</p></section>{{/empty}}
        <section id="builds">
        <h2 class="section">Image builds <span class="count">{{count(builds)}}</span></h2>
        {{#builds}}
        <article class="card build" id="{{links.anchor}}" data-object="ImageBuild/{{name}}">
        <header class="card-head">
        <h3><a href="{{links.lineage}}">{{name}}</a></h3>
        <span class="badge {{badge.tone}}" data-ready>{{badge.text}}</span>
        <span class="meta">{{source}}{{#.formats}} · {{.}}{{/.formats}} · {{executionCount}} executions</span>
        </header>
        {{#.summary}}<p class="summary">{{.}}</p>{{/.summary}}
        {{^badge.ready}}<p class="why">{{badge.message}}</p>{{/badge.ready}}
        {{^empty(executions)}}<table class="runs">
        <thead><tr><th>#</th><th>Status</th><th>Progress</th><th>Started</th><th>Took</th><th>By</th><th>Files</th></tr></thead>
        <tbody>
        {{#executions}}{{> execution}}{{/executions}}
        </tbody>
        </table>{{/empty(executions)}}
        {{^empty(executions)}}{{^equalzero(older)}}<p class="meta more-runs"><a href="{{links.lineage}}">{{older}} older executions</a></p>{{/equalzero(older)}}{{/empty(executions)}}
        {{#empty(executions)}}<p class="muted">No execution yet.</p>{{/empty(executions)}}
        </article>
        {{/builds}}
        {{#empty(builds)}}<p class="muted">No image builds.</p>{{/empty(builds)}}
        </section>
        <section id="images">
        <h2 class="section">Images <span class="count">{{count(images)}}</span></h2>
        {{^empty(images)}}<div class="card flush"><table class="grid images">
        <thead><tr><th>Image</th><th>State</th><th>Version</th><th>Formats</th><th>Size</th><th>sha256</th><th></th></tr></thead>
        <tbody>
        {{#images}}
        <tr id="{{links.anchor}}" data-object="Image/{{name}}">
        <td class="name" data-label="Image"><a href="{{links.lineage}}">{{name}}</a> <span class="badge {{badge.tone}}" data-ready>{{badge.text}}</span><div class="meta">{{os}} · {{origin}}</div>{{^badge.ready}}<div class="why">{{badge.message}}</div>{{/badge.ready}}</td>
        <td data-label="State"><span class="badge {{stateTone}}">{{state}}</span></td>
        <td data-label="Version">v{{version}}</td>
        <td data-label="Formats">{{#formats}}<a class="chip{{#current}} current{{/current}}" href="{{href}}" title="{{file}} · sha256 {{sha256}}">{{format}} <span>{{size}}</span></a> {{/formats}}{{#.format}}<span class="chip">{{.}}</span>{{/.format}}</td>
        <td class="nowrap" data-label="Size">{{#.size}}{{.}}{{/.size}}{{^.size}}<span class="muted">–</span>{{/.size}}</td>
        <td data-label="sha256">{{#.sha256}}<code title="{{.}}">{{sha256Short}}</code>{{/.sha256}}{{^.sha256}}<span class="muted">–</span>{{/.sha256}}</td>
        <td class="actions">{{#.download}}<a class="button" href="{{.}}" download>Download</a>{{/.download}}</td>
        </tr>
        {{/images}}
        </tbody>
        </table></div>{{/empty(images)}}
        {{#empty(images)}}<p class="muted">No images.</p>{{/empty(images)}}
        </section>
        <section id="vms">
        <h2 class="section">Virtual machines <span class="count">{{count(vms)}}</span></h2>
        {{^empty(vms)}}<div class="card flush"><table class="grid vms">
        <thead><tr><th>VM</th><th>Status</th><th>IP address</th><th>Guest OS</th><th>Image</th><th>Size</th><th></th></tr></thead>
        <tbody>
        {{#vms}}
        <tr id="{{links.anchor}}" data-object="VirtualMachine/{{name}}">
        <td class="name" data-label="VM"><a href="{{links.lineage}}">{{name}}</a> <span class="badge {{badge.tone}}" data-ready>{{badge.text}}</span>{{#.error}}<div class="error">{{.}}</div>{{/.error}}{{^.error}}{{^badge.ready}}<div class="why">{{badge.message}}</div>{{/badge.ready}}{{/.error}}</td>
        <td data-label="Status"><span class="badge {{statusTone}}" data-status>{{status}}</span></td>
        <td data-label="IP" data-ip>{{#.ip}}<code>{{.}}</code>{{/.ip}}{{^.ip}}<span class="muted">–</span>{{/.ip}}</td>
        <td data-label="Guest OS" data-os>{{#.guestOs}}{{.}}{{/.guestOs}}{{^.guestOs}}<span class="muted">–</span>{{/.guestOs}}</td>
        <td data-label="Image">{{#.imageAnchor}}<a href="#{{.}}">{{/.imageAnchor}}{{image}}{{#.imageAnchor}}</a>{{/.imageAnchor}}</td>
        <td class="nowrap" data-label="Size">{{size}}</td>
        <td class="actions"><a class="button" href="{{links.status}}" title="The VM's status document (Kiln records no console log path)">Status</a></td>
        </tr>
        {{/vms}}
        </tbody>
        </table></div>{{/empty(vms)}}
        {{#empty(vms)}}<p class="muted">No virtual machines.</p>{{/empty(vms)}}
        </section>
        """

    static let execution = """
        <tr class="run" data-execution="{{key}}" data-status="{{status}}">
        <td class="num" data-label="#"><a href="{{log}}" title="Execution log">#{{number}}</a></td>
        <td class="c-status" data-label="Status"><span class="badge {{tone}}" data-status>{{status}}</span></td>
        <td class="progress-cell" data-label="Progress">{{#active}}<div class="prog"><div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{{percent}}"><div class="bar" style="width: {{percent}}%"></div></div>
        <div class="progress-text"><span class="pct">{{percent}}%</span> <span class="eta">{{#.eta}}ETA {{.}}{{/.eta}}</span> <span class="step">{{#.message}}{{.}}{{/.message}}</span></div></div>{{/active}}{{^active}}{{#.error}}<span class="error">{{.}}</span>{{/.error}}{{^.error}}<span class="muted">{{#.message}}{{.}}{{/.message}}{{^.message}}{{reason}}{{/.message}}</span>{{/.error}}{{/active}}</td>
        <td class="c-started" data-label="Started">{{#.started}}{{> time}}{{/.started}}{{^.started}}<span class="muted">–</span>{{/.started}}</td>
        <td class="c-took" data-label="Took">{{#.duration}}{{.}}{{/.duration}}{{^.duration}}<span class="muted">–</span>{{/.duration}}</td>
        <td class="c-by" data-label="By"><span title="commit {{commit}}">{{author}}</span> <code class="dim">{{commitShort}}</code></td>
        <td class="c-files" data-label="Files">{{#artifacts}}<a class="chip" href="{{href}}" title="{{file}} · sha256 {{sha256}}">{{format}} <span>{{size}}</span></a> {{/artifacts}}<a class="dim" href="{{log}}">log</a></td>
        </tr>

        """

    static let lineage = """
        <nav class="crumbs"><a href="/">Dashboard</a> › {{kind}} › <strong>{{name}}</strong></nav>
        <section class="card lineage-head">
        <h2><span class="kind">{{kind}}</span> {{name}} <span class="badge {{badge.tone}}" data-ready>{{badge.text}}</span></h2>
        {{^badge.ready}}<p class="why">{{badge.message}}</p>{{/badge.ready}}
        <p class="meta">Spec <code>{{source}}</code> at commit <code title="{{commit}}">{{commitShort}}</code> · <a href="{{statusHref}}">status</a> · <a href="{{jsonHref}}">lineage as JSON</a></p>
        </section>
        <ol class="chain">
        {{#upstream}}{{> node}}{{/upstream}}
        {{#here}}{{> node}}{{/here}}
        {{#executions}}{{> node}}{{/executions}}
        {{#downstream}}{{> node}}{{/downstream}}
        </ol>
        {{#empty(downstream)}}<p class="meta end">Nothing uses this {{kind}} yet.</p>{{/empty(downstream)}}
        """

    static let node = """
        <li class="node {{type}}{{#current}} current{{/current}}"{{#.key}} data-execution="{{.}}"{{/.key}}>
        <div class="node-type">{{label}}</div>
        <div class="node-body">
        <div class="node-title">{{#.href}}<a href="{{.}}">{{/.href}}{{title}}{{#.href}}</a>{{/.href}}{{#.status}} <span class="badge {{tone}}" data-status>{{.}}</span>{{/.status}}</div>
        {{#details}}<div class="detail"><span class="dl">{{name}}</span> {{#code}}<code class="wrap">{{value}}</code>{{/code}}{{^code}}{{value}}{{/code}}</div>{{/details}}
        {{^empty(children)}}<ul class="children">{{#children}}<li><a class="chip" href="{{href}}">{{title}}</a> {{#details}}<span class="dl">{{name}}</span> <code class="wrap">{{value}}</code> {{/details}}</li>{{/children}}</ul>{{/empty(children)}}
        </div>
        </li>

        """

    static let notFound = """
        <section class="card"><h2>Not found</h2><p>{{message}}</p><p><a href="/">Back to the dashboard</a></p></section>
        """
}
