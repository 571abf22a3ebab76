using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Analytics.Dashboard;

/// <summary>The dashboard as one self-contained HTML page: inline CSS, and a script that fetches
/// <c>/dashboard/data</c> and draws every chart as hand-made SVG. No CDN, no bundle: it works offline and behind a
/// strict Content-Security-Policy that allows exactly this script (by hash) and same-origin fetches.</summary>
internal static class DashboardPage
{
    public static readonly string Html = Page(Body);

    /// <summary>The CSP for <see cref="Html"/> and <see cref="LoginHtml"/>.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; script-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Script)))}'; "
        + "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        + "frame-ancestors 'none'";

    /// <summary>The page for a browser without a session: a form that presents the admin token once (POSTed, so it
    /// stays out of URLs, history and access logs).</summary>
    public static string LoginHtml(string message) => Page($"""
        <main class="login">
          <h1>Gateway usage</h1>
          <p id="login-message">{WebUtility.HtmlEncode(message)}</p>
          <form method="post" action="{DashboardEndpoints.Path}/login">
            <label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
            <button type="submit">Open the dashboard</button>
          </form>
        </main>
        """);

    private static string Page(string body) => $"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Gateway usage</title>
        <style>{Style}</style>
        </head>
        <body>
        {body}
        </body>
        </html>
        """;

    private const string Style = """
        :root { font: 14px/1.4 system-ui, sans-serif; color: #1f2933; background: #f5f7fa; }
        body { margin: 0 auto; padding: 16px 24px; max-width: 1240px; }
        header { display: flex; align-items: baseline; gap: 24px; flex-wrap: wrap; }
        h1 { font-size: 20px; margin: 0 0 8px; }
        h2 { font-size: 14px; margin: 0 0 8px; color: #52606d; text-transform: uppercase; letter-spacing: .04em; }
        section { background: #fff; border-radius: 8px; padding: 12px 16px; margin: 12px 0; box-shadow: 0 1px 2px #0002; }
        .tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; background: none; box-shadow: none; padding: 0; }
        .tile { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
        .tile p { font-size: 24px; margin: 0; font-variant-numeric: tabular-nums; }
        .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 12px; }
        svg { width: 100%; height: auto; display: block; }
        svg text { font-size: 12px; fill: #323f4b; }
        svg text.value { font-size: 11px; }
        svg .axis { stroke: #cbd2d9; }
        .legend span { display: inline-flex; align-items: center; margin-right: 16px; }
        .legend i { width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; display: inline-block; }
        #status { color: #ba2525; }
        .login { max-width: 420px; margin: 80px auto; }
        .login input { display: block; width: 100%; margin: 4px 0 12px; padding: 6px; }
        """;

    private static string Body => $"""
        <header>
          <h1>Gateway usage</h1>
          <form method="get">
            <label>Days <input name="days" id="days" type="number" min="1" max="{DashboardQuery.MaxDays}" value="{DashboardQuery.DefaultDays}"></label>
            <label>Tenants <input name="tenant" id="tenant" placeholder="all (most expensive)"></label>
            <button type="submit">Show</button>
          </form>
          <span id="range"></span>
        </header>
        <section class="tiles">
          <div class="tile"><h2>Spend (USD)</h2><p id="total-spend">…</p></div>
          <div class="tile"><h2>Cache savings (USD)</h2><p id="total-saved">…</p></div>
          <div class="tile"><h2>Requests</h2><p id="total-requests">…</p></div>
          <div class="tile"><h2>Cache hit rate</h2><p id="cache-hit-rate">…</p></div>
        </section>
        <section><h2>Spend per day per tenant (USD)</h2><svg id="spend-chart"></svg><div id="spend-legend" class="legend"></div></section>
        <div class="grid">
          <section><h2>Top models (USD)</h2><svg id="models-chart"></svg></section>
          <section><h2>Top users (USD)</h2><svg id="users-chart"></svg></section>
          <section><h2>Spend and cache savings per tenant (USD)</h2><svg id="savings-chart"></svg></section>
          <section><h2>Latency percentiles per tenant (ms)</h2><svg id="latency-chart"></svg></section>
        </div>
        <p id="status"></p>
        <script>{Script}</script>
        """;

    // Text from the data is only ever set through textContent, never parsed as markup.
    private const string Script = """
        (() => {
        const NS = 'http://www.w3.org/2000/svg';
        const COLORS = ['#2f80ed', '#f2994a', '#27ae60', '#9b51e0', '#eb5757', '#56ccf2', '#f2c94c', '#219653', '#bb6bd9', '#828282'];
        const SAVED = '#6fcf97';
        const $ = id => document.getElementById(id);
        const num = s => Number(s) || 0;
        const el = (parent, name, attrs, text) => {
          const node = document.createElementNS(NS, name);
          for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
          if (text !== undefined) node.textContent = text;
          parent.appendChild(node);
          return node;
        };
        const size = (svg, w, h) => { svg.setAttribute('viewBox', `0 0 ${w} ${h}`); svg.replaceChildren(); };
        const short = v => v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);

        function spendChart(d) {
          const svg = $('spend-chart'), W = 1200, H = 240, L = 64, R = 12, T = 12, B = 40;
          size(svg, W, H);
          const n = d.dates.length, slot = (W - L - R) / n, bar = Math.max(1, slot * 0.8);
          const dayTotals = d.dates.map((_, j) => d.tenants.reduce((s, t) => s + num(t.dailyCostUsd[j]), 0));
          const max = Math.max(...dayTotals, 0) || 1;
          const y = v => T + (H - T - B) * (1 - v / max);
          for (const f of [0, 0.5, 1]) {
            el(svg, 'line', { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), class: 'axis' });
            el(svg, 'text', { x: L - 6, y: y(max * f) + 4, 'text-anchor': 'end' }, short(max * f));
          }
          const base = new Array(n).fill(0);
          d.tenants.forEach((t, i) => {
            const g = el(svg, 'g', { class: 'series', 'data-tenant': t.tenantId, fill: COLORS[i % COLORS.length] });
            t.dailyCostUsd.forEach((c, j) => {
              const v = num(c);
              if (v <= 0) return;
              const top = y(base[j] + v), bottom = y(base[j]);
              el(el(g, 'rect', { class: 'bar', x: L + j * slot + (slot - bar) / 2, y: top, width: bar,
                height: Math.max(1, bottom - top), 'data-date': d.dates[j], 'data-cost': c }), 'title', {}, `${t.tenantId} ${d.dates[j]}: $${c}`);
              base[j] += v;
            });
          });
          const every = Math.ceil(n / 12);
          d.dates.forEach((date, j) => {
            if (j % every === 0 || j === n - 1)
              el(svg, 'text', { x: L + j * slot + slot / 2, y: H - B + 16, 'text-anchor': 'middle' }, date.slice(5));
          });
          const legend = $('spend-legend');
          legend.replaceChildren();
          d.tenants.forEach((t, i) => {
            const item = document.createElement('span');
            const swatch = document.createElement('i');
            swatch.style.background = COLORS[i % COLORS.length];
            item.append(swatch, `${t.tenantId}: $${t.costUsd}`);
            item.className = 'legend-item';
            legend.appendChild(item);
          });
        }

        // Horizontal bars: rows of [label, [[value text, colour], ...]].
        function hbars(id, rows) {
          const svg = $(id), W = 580, L = 200, R = 90, ROW = 14, GAP = 10;
          const h = Math.max(40, rows.reduce((s, r) => s + r.bars.length * ROW + GAP, GAP));
          size(svg, W, h);
          if (rows.length === 0) { el(svg, 'text', { x: 8, y: 24 }, 'No usage in this range'); return; }
          const max = Math.max(...rows.flatMap(r => r.bars.map(b => num(b.value))), 0) || 1;
          let top = GAP;
          for (const r of rows) {
            const g = el(svg, 'g', { class: 'row', 'data-name': r.label });
            el(g, 'title', {}, r.label);
            el(g, 'text', { x: L - 8, y: top + ROW * r.bars.length / 2 + 4, 'text-anchor': 'end' }, r.label.length > 26 ? r.label.slice(0, 25) + '…' : r.label);
            for (const b of r.bars) {
              const w = Math.max(1, (W - L - R) * num(b.value) / max);
              el(g, 'rect', { class: 'bar', x: L, y: top + 1, width: w, height: ROW - 2, fill: b.color, 'data-value': b.value });
              el(g, 'text', { x: L + w + 6, y: top + ROW - 3, class: 'value' }, b.text);
              top += ROW;
            }
            top += GAP;
          }
        }

        function latencyChart(d) {
          const svg = $('latency-chart'), W = 580, H = 200, L = 52, T = 20, B = 40;
          size(svg, W, H);
          if (d.tenants.length === 0) { el(svg, 'text', { x: 8, y: 24 }, 'No usage in this range'); return; }
          const ms = us => us / 1000;
          const max = Math.max(...d.tenants.map(t => ms(t.latency.p99Us)), 0) || 1;
          const slot = (W - L) / d.tenants.length, bar = Math.min(28, slot / 4);
          const y = v => T + (H - T - B) * (1 - v / max);
          el(svg, 'line', { x1: L, x2: W, y1: y(0), y2: y(0), class: 'axis' });
          el(svg, 'line', { x1: L, x2: W, y1: y(max), y2: y(max), class: 'axis' });
          el(svg, 'text', { x: L - 6, y: y(max) + 4, 'text-anchor': 'end' }, short(max));
          d.tenants.forEach((t, i) => {
            const g = el(svg, 'g', { class: 'tenant', 'data-tenant': t.tenantId });
            [['p50', t.latency.p50Us, '#56ccf2'], ['p95', t.latency.p95Us, '#2f80ed'], ['p99', t.latency.p99Us, '#1b3a6b']].forEach(([name, us, color], k) => {
              const x = L + i * slot + slot / 2 + (k - 1.5) * bar, v = ms(us);
              el(el(g, 'rect', { class: 'bar ' + name, x, y: y(v), width: bar - 2, height: Math.max(1, y(0) - y(v)), fill: color,
                'data-us': us }), 'title', {}, `${t.tenantId} ${name}: ${short(v)} ms`);
              el(g, 'text', { x: x + bar / 2 - 1, y: y(v) - 4, 'text-anchor': 'middle', class: 'value ' + name }, short(v));
            });
            el(g, 'text', { x: L + i * slot + slot / 2, y: H - B + 16, 'text-anchor': 'middle' }, t.tenantId.length > 20 ? t.tenantId.slice(0, 19) + '…' : t.tenantId);
          });
          el(svg, 'text', { x: L, y: 12 }, 'bars: p50 / p95 / p99');
        }

        function render(d) {
          const t = d.totals;
          $('total-spend').textContent = '$' + t.costUsd;
          $('total-saved').textContent = '$' + t.savedCostUsd;
          $('total-requests').textContent = t.requests.toLocaleString('en-US');
          $('cache-hit-rate').textContent = t.requests ? (100 * t.cacheHits / t.requests).toFixed(1) + '%' : '–';
          $('range').textContent = `${d.dates[0]} to ${d.dates[d.dates.length - 1]} (UTC), ${d.tenants.length} tenant(s)`;
          spendChart(d);
          hbars('models-chart', d.topModels.map(m => ({ label: m.name, bars: [{ value: m.costUsd, text: '$' + m.costUsd, color: COLORS[0] }] })));
          hbars('users-chart', d.topUsers.map(u => ({ label: `${u.name} (${u.tenantId})`, bars: [{ value: u.costUsd, text: '$' + u.costUsd, color: COLORS[1] }] })));
          hbars('savings-chart', d.tenants.map((x, i) => ({ label: x.tenantId, bars: [
            { value: x.costUsd, text: 'spent $' + x.costUsd, color: COLORS[i % COLORS.length] },
            { value: x.savedCostUsd, text: 'saved $' + x.savedCostUsd, color: SAVED }] })));
          latencyChart(d);
          document.body.dataset.ready = 'true';
        }

        const params = new URLSearchParams(location.search);
        params.delete('token');
        if (params.get('days')) $('days').value = params.get('days');
        if (params.get('tenant')) $('tenant').value = params.get('tenant');
        fetch(location.pathname.replace(/\/$/, '') + '/data?' + params, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(r => r.json().then(body => { if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText); return body; }))
          .then(render)
          .catch(e => { $('status').textContent = 'Could not load usage: ' + e.message; document.body.dataset.error = e.message; });
        })();
        """;
}
