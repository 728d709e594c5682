// CivicLedger caseworker console: plain JavaScript over the public GraphQL API (the integrators' reference
// client). Reads and commands go to /graphql over fetch with the signed-in bearer token; a resident's live
// timeline comes over the `timelineEvents` subscription (graphql-transport-ws). No framework, no build step.
(() => {
  'use strict';

  const CONFIG = JSON.parse(document.getElementById('cl-config').textContent);
  const T = CONFIG.labels;
  const BASE = CONFIG.base;
  const TOKEN_KEY = 'civicledger.console.token';
  const PROGRAMS = ['residents', 'assistance', 'linkage', 'casework', 'meals'];
  const PROGRAM_NAMES = {
    zh: {residents: '居民登记', assistance: '社会救助', linkage: '三社联动', casework: '社会工作', meals: '长者助餐'},
    en: {residents: 'Residents', assistance: 'Social assistance', linkage: 'Three-society linkage',
         casework: 'Casework', meals: 'Elder meals'},
  }[CONFIG.lang];
  const DISTRICTS = ['LIWAN', 'YUEXIU', 'HAIZHU', 'TIANHE', 'BAIYUN', 'HUANGPU', 'PANYU', 'HUADU', 'NANSHA',
                     'CONGHUA', 'ZENGCHENG'];
  const OPEN_ASSISTANCE = ['APPLIED', 'VERIFYING', 'ASSESSED', 'IN_NOTICE', 'ACTIVE', 'SUSPENDED'];
  const OPEN_REFERRALS = ['REFERRED', 'ACCEPTED', 'DECLINED', 'IN_PROGRESS', 'COMPLETED'];

  let session = null;          // {token, viewer}
  // The page shown: its root element (a page that answers late writes into its own, detached root) and what it
  // must stop when another page is shown.
  let page = {cleanups: [], root: document.createElement('div')};
  const purposes = new Map();  // residentId -> the purpose stated for it in this tab

  // ---- small helpers ---------------------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const view = () => page.root;
  const programName = (p) => PROGRAM_NAMES[p] || p;
  // A status or kind code in the reader's language, the code kept beside it (integrators read the codes).
  const statusName = (code) => (T['s_' + code] ? `${T['s_' + code]} (${code})` : code);
  const kindName = (code) => T['k_' + code] || code;
  const isMasked = (v) => typeof v === 'string' && v.includes('*');
  const fmtTime = (iso) => {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(CONFIG.lang === 'zh' ? 'zh-CN' : 'en-GB',
                                             {timeZone: 'Asia/Shanghai', hour12: false});
  };

  function newKey() {
    if (window.crypto && crypto.randomUUID) return 'console-' + crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return 'console-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function facts(pairs) {
    return h('dl', {class: 'facts'}, pairs.filter(Boolean).map(([label, value, attrs]) => [
      h('dt', {text: label}),
      h('dd', Object.assign({class: isMasked(value) ? 'masked' : null}, attrs || {}),
        value === null || value === undefined || value === '' ? '—' : value),
    ]));
  }

  function table(headers, rows, attrs) {
    return h('table', attrs || {},
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', {scope: 'col', text: x})))),
      rows instanceof HTMLTableSectionElement ? rows : h('tbody', {}, rows));
  }

  function link(path, text, attrs) {
    return h('a', Object.assign({href: BASE + path}, attrs || {}), text);
  }

  function errorBox(errors) {
    return h('p', {class: 'error', role: 'alert'},
      (errors || []).map((e) => `${(e.extensions && e.extensions.code) || T.error}: ${e.message}`).join('; '));
  }

  function setTitle(text) {
    document.title = `${text} · ${T.title}`;
  }

  // ---- the API ----------------------------------------------------------------------------------------------

  async function gql(query, variables, options) {
    const opts = options || {};
    const headers = {'Content-Type': 'application/json',
                     'Accept': 'application/graphql-response+json, application/json'};
    const token = opts.token || (session && session.token);
    if (token) headers.Authorization = 'Bearer ' + token;
    // Headers are Latin-1 on the wire: a Chinese purpose travels percent-encoded (the API decodes it).
    if (opts.purpose) headers['X-Access-Purpose'] = encodeURIComponent(opts.purpose);
    const body = {query, variables: variables || {}};
    if (opts.minPosition) body.extensions = {minPosition: opts.minPosition};
    let response;
    try {
      response = await fetch(CONFIG.graphql, {method: 'POST', headers, body: JSON.stringify(body)});
    } catch (exc) {
      return {errors: [{message: String(exc), extensions: {code: 'NETWORK'}}]};
    }
    let result;
    try {
      result = await response.json();
    } catch (exc) {
      return {errors: [{message: response.statusText, extensions: {code: 'HTTP_' + response.status}}]};
    }
    const codes = (result.errors || []).map((e) => e.extensions && e.extensions.code);
    if (!opts.token && session && (response.status === 401 || codes.includes('UNAUTHENTICATED'))) {
      signOut(T.token_invalid);
    }
    return result;
  }

  // ---- sign-in ----------------------------------------------------------------------------------------------

  const VIEWER = 'query Viewer { viewer { subject role district office scopes } }';

  async function signIn(token) {
    const result = await gql(VIEWER, {}, {token});
    if (!result.data || !result.data.viewer) {
      return (result.errors && result.errors[0] && result.errors[0].message) || T.token_invalid;
    }
    session = {token, viewer: result.data.viewer};
    sessionStorage.setItem(TOKEN_KEY, token);
    showWho();
    return null;
  }

  function signOut(message) {
    session = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showWho();
    render();
    if (message) document.getElementById('token-error').textContent = message;
  }

  function showWho() {
    const who = document.getElementById('who-text');
    const out = document.getElementById('sign-out');
    who.replaceChildren();
    if (!session) {
      out.hidden = true;
      return;
    }
    const v = session.viewer;
    who.append(
      h('span', {}, `${T.signed_in_as}: `, h('strong', {id: 'who-subject', text: v.subject})), ' · ',
      h('span', {}, `${T.role}: `, h('strong', {id: 'who-role', text: v.role})), ' · ',
      h('span', {}, `${T.district}: `, h('strong', {id: 'who-district', text: v.district || '—'})), ' · ',
      h('span', {}, `${T.office}: `, h('strong', {id: 'who-office', text: v.office || '—'})), ' · ',
      h('span', {}, `${T.scopes}: `, h('strong', {id: 'who-scopes', text: v.scopes.join(' ')})));
    out.hidden = false;
  }

  function showSignIn() {
    const section = document.getElementById('signin');
    section.hidden = false;
    if (CONFIG.dev && CONFIG.principals.length) {
      document.getElementById('dev-picker').hidden = false;
      const box = document.getElementById('principals');
      box.replaceChildren(...CONFIG.principals.map((p) => h('button', {
        type: 'button', class: 'secondary', 'data-principal': p.label,
        onclick: async () => {
          const response = await fetch(BASE + '/dev-token', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                            body: JSON.stringify({label: p.label})});
          const body = await response.json();
          const problem = body.token ? await signIn(body.token) : body.error;
          if (problem) document.getElementById('token-error').textContent = problem;
          else render();
        },
      }, `${p.label} — ${p.subject} (${p.role}${p.district ? ', ' + p.district : ''})`)));
    }
  }

  document.getElementById('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = document.getElementById('token-input').value.trim().replace(/^Bearer\s+/i, '');
    const problem = await signIn(token);
    document.getElementById('token-error').textContent = problem || '';
    if (!problem) {
      document.getElementById('token-input').value = '';
      render();
    }
  });
  document.getElementById('sign-out').addEventListener('click', () => signOut());

  // ---- routing ----------------------------------------------------------------------------------------------

  const ROUTES = [
    [/^\/?$/, homePage, null],
    [/^\/search$/, searchPage, 'search'],
    [/^\/residents\/([^/]+)$/, residentPage, 'search'],
    [/^\/queues$/, queuesPage, 'queues'],
    [/^\/referrals\/([^/]+)$/, referralPage, 'queues'],
    [/^\/assistance\/([^/]+)$/, assistancePage, 'queues'],
    [/^\/needs\/([^/]+)$/, needPage, 'queues'],
    [/^\/tasks\/([^/]+)$/, taskPage, 'queues'],
    [/^\/streams\/([^/]+)$/, streamPage, 'inspector'],
    [/^\/inspector$/, inspectorPage, 'inspector'],
  ];

  function navigate(path, replace) {
    if (replace) history.replaceState(null, '', BASE + path);
    else history.pushState(null, '', BASE + path);
    render();
    // Keyboard and screen-reader users start reading the new page at its content, not the header's links.
    if (!replace && session) document.getElementById('main').focus({preventScroll: true});
  }

  document.addEventListener('click', (event) => {
    const a = event.target.closest('a[href]');
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(BASE) || url.pathname.startsWith(BASE + '/static')) return;
    if (a.id === 'lang-switch') return;  // the shell is rendered again in the other language
    event.preventDefault();
    navigate(url.pathname.slice(BASE.length) + url.search);
  });
  window.addEventListener('popstate', () => render());

  function render() {
    for (const stop of page.cleanups) {
      try { stop(); } catch (exc) { /* a page's cleanup never blocks the next page */ }
    }
    page = {cleanups: [], root: h('div')};
    const path = location.pathname.slice(BASE.length) || '/';
    const outer = document.getElementById('view');
    document.getElementById('signin').hidden = true;
    outer.replaceChildren(page.root);
    let section = null;
    let handler = notFoundPage;
    let match = null;
    for (const [pattern, fn, nav] of ROUTES) {
      match = path.match(pattern);
      if (match) {
        handler = fn;
        section = nav;
        break;
      }
    }
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (!session) {
      setTitle(T.sign_in);
      showSignIn();
      return;
    }
    const params = new URLSearchParams(location.search);
    const shown = page;
    outer.removeAttribute('data-ready');
    Promise.resolve(handler(match ? match.slice(1).map(decodeURIComponent) : [], params)).catch((exc) => {
      shown.root.append(errorBox([{message: String(exc)}]));
    }).finally(() => {
      if (page === shown) outer.setAttribute('data-ready', '1');
    });
  }

  // ---- pages ------------------------------------------------------------------------------------------------

  function homePage() {
    const root = view();
    setTitle(T.home_title);
    root.append(h('h1', {text: T.home_title}), h('p', {text: T.home_hint}),
      h('ul', {}, h('li', {}, link('/search', T.nav_search)), h('li', {}, link('/queues', T.nav_queues)),
        h('li', {}, link('/inspector', T.nav_inspector))));
  }

  function notFoundPage() {
    const root = view();
    setTitle(T.not_found);
    root.append(h('h1', {text: T.not_found}));
  }

  // Resident search: name, the full ID number (shown masked by role), district.
  async function searchPage(args, params) {
    const root = view();
    setTitle(T.search_title);
    const district = params.has('district') ? params.get('district') : (session.viewer.district || '');
    const form = h('form', {class: 'row card', role: 'search', id: 'search-form'},
      h('label', {}, T.name, h('input', {name: 'name', id: 'search-name', value: params.get('name') || '',
                                         maxlength: 50, autocomplete: 'off'})),
      h('label', {}, T.id_number, h('input', {name: 'idNumber', id: 'search-id', value: params.get('idNumber') || '',
                                              maxlength: 18, autocomplete: 'off', title: T.id_number_hint})),
      h('label', {}, T.district, h('select', {name: 'district', id: 'search-district'},
        h('option', {value: '', text: '—'}),
        DISTRICTS.map((d) => h('option', {value: d, selected: d === district, text: d})))),
      h('button', {type: 'submit', text: T.search}));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [key, value] of new FormData(form)) if (value) next.set(key, value);
      next.set('district', form.district.value);
      navigate('/search?' + next.toString());
    });
    const results = h('div', {id: 'results'});
    root.append(h('h1', {text: T.search_title}), form, results);
    if (!params.has('name') && !params.has('idNumber') && !params.has('district')) return;
    const filter = {};
    if (params.get('name')) filter.name = params.get('name');
    if (params.get('idNumber')) filter.idNumber = params.get('idNumber');
    if (district) filter.district = district;
    const body = h('tbody', {});
    results.append(h('table', {id: 'search-results'},
      h('thead', {}, h('tr', {}, [T.name, T.id_number, T.district, T.address].map((x) => h('th', {scope: 'col', text: x})))),
      body));
    const more = h('button', {type: 'button', class: 'secondary', hidden: true, text: T.more});
    results.append(more);
    let after = null;
    const load = async () => {
      const result = await gql(`query Search($f: ResidentFilter, $after: String) {
        residents(filter: $f, first: 20, after: $after) { pageInfo { hasNextPage endCursor }
          edges { node { id name idNumber district address { districtName street community } } } } }`,
        {f: filter, after});
      if (!result.data) {
        results.append(errorBox(result.errors));
        return;
      }
      const conn = result.data.residents;
      for (const {node} of conn.edges) {
        body.append(h('tr', {},
          h('td', {}, link('/residents/' + encodeURIComponent(node.id), node.name || '—', {class: 'resident-link'})),
          h('td', {class: isMasked(node.idNumber) ? 'masked' : null, text: node.idNumber || '—'}),
          h('td', {text: node.address.districtName}),
          h('td', {text: [node.address.street, node.address.community].filter(Boolean).join(' ')})));
      }
      if (!conn.edges.length && !after) results.append(h('p', {text: T.no_results}));
      after = conn.pageInfo.endCursor;
      more.hidden = !conn.pageInfo.hasNextPage;
    };
    more.addEventListener('click', load);
    await load();
  }

  // A resident: details masked by role (a stated purpose unmasks, and is logged), household, open cases, and
  // the unified timeline (infinite scroll, filters, live entries).
  async function residentPage([id], params) {
    const root = view();
    const shown = page;
    const purpose = purposes.get(id) || null;
    const result = await gql(`query ResidentPage($id: ID!) { resident(id: $id) {
        id residentId name gender idNumber phone birthDate district erased deceasedOn
        address { districtName street community masked }
        household { id size members { relationship residentId resident { id name } } } } }`, {id}, {purpose});
    if (!result.data) {
      root.append(errorBox(result.errors));
      return;
    }
    if (page !== shown) return;  // another page is shown by now: no subscription for this one
    const r = result.data.resident;
    setTitle(r.name || T.personal_details);
    const masked = [r.name, r.idNumber, r.phone, r.birthDate].some(isMasked) || r.address.masked;
    const details = h('section', {class: 'card', id: 'details', 'aria-labelledby': 'details-h',
                                  'data-masked': masked ? '1' : '0'},
      h('h2', {id: 'details-h', text: T.personal_details}),
      facts([[T.name, r.name, {id: 'f-name'}], [T.id_number, r.idNumber, {id: 'f-id'}], [T.phone, r.phone, {id: 'f-phone'}],
             [T.birth_date, r.birthDate], [T.gender, r.gender],
             [T.address, [r.address.districtName, r.address.street, r.address.community].filter(Boolean).join(' ')]]));
    if (purpose) details.append(h('p', {class: 'ok', id: 'purpose-active'}, `${T.purpose_active}: ${purpose}`));
    if (masked && !purpose) {
      const form = h('form', {class: 'stack', id: 'purpose-form'},
        h('p', {text: T.masked_note}),
        h('label', {for: 'purpose-input', text: T.purpose}),
        h('input', {id: 'purpose-input', name: 'purpose', required: true, maxlength: 500}),
        h('p', {class: 'muted', text: T.purpose_logged}),
        h('button', {type: 'submit', text: T.state_purpose}));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const text = form.purpose.value.trim();
        if (!text) return;
        purposes.set(id, text);
        render();
      });
      details.append(form);
    } else if (masked) {
      details.append(h('p', {class: 'error', id: 'still-masked', text: T.still_masked}));
    }
    root.append(h('h1', {id: 'resident-name', text: r.name || '—'}), h('div', {class: 'columns'}, details,
                                                                             householdCard(r), casesCard(r)));
    root.append(timelineSection(r, params));
  }

  function householdCard(r) {
    const card = h('section', {class: 'card', 'aria-labelledby': 'household-h'}, h('h2', {id: 'household-h', text: T.household}));
    if (!r.household) {
      card.append(h('p', {text: '—'}));
      return card;
    }
    card.append(facts([[T.household_size, r.household.size]]),
      h('ul', {}, r.household.members.map((m) => h('li', {},
        m.resident ? link('/residents/' + encodeURIComponent(m.resident.id), m.resident.name || '—') : '—',
        ` (${m.relationship})`))));
    return card;
  }

  function casesCard(r) {
    const card = h('section', {class: 'card', id: 'open-cases', 'aria-labelledby': 'cases-h'},
      h('h2', {id: 'cases-h', text: T.open_cases}));
    const list = h('ul', {});
    card.append(list);
    (async () => {
      const result = await gql(`query OpenCases($id: ID!, $open: [AssistanceCaseStatus!]) {
          assistanceCases(filter: {residentId: $id, status: $open}, first: 20) { edges { node { id caseId programName status } } }
          referrals(residentId: $id, first: 50) { edges { node { id referralId status subItem { label labelZh } organisation { name } } } }
          caseworkCases(residentId: $id, first: 20) { edges { node { id status service { label } } } } }`,
        {id: r.id, open: OPEN_ASSISTANCE});
      const d = result.data || {};
      let count = 0;
      for (const {node} of (d.assistanceCases || {edges: []}).edges) {
        count += 1;
        list.append(h('li', {}, h('span', {class: 'program', text: programName('assistance')}), ' ',
          link('/assistance/' + node.caseId, `${node.programName} · ${statusName(node.status)}`)));
      }
      for (const {node} of (d.referrals || {edges: []}).edges) {
        if (!OPEN_REFERRALS.includes(node.status)) continue;
        count += 1;
        const label = CONFIG.lang === 'zh' ? node.subItem.labelZh : node.subItem.label;
        list.append(h('li', {}, h('span', {class: 'program', text: programName('linkage')}), ' ',
          link('/referrals/' + node.referralId, `${label} · ${statusName(node.status)}`, {class: 'referral-link'}),
          node.organisation ? ` → ${node.organisation.name}` : ''));
      }
      for (const {node} of (d.caseworkCases || {edges: []}).edges) {
        if (node.status === 'CLOSED') continue;
        count += 1;
        list.append(h('li', {}, h('span', {class: 'program', text: programName('casework')}), ' ',
          `${node.service.label} · ${statusName(node.status)}`));
      }
      if (!count) list.append(h('li', {text: T.no_open_cases}));
      if (result.errors && !result.data) card.append(errorBox(result.errors));
    })();
    return card;
  }

  // Where a timeline entry leads: its case's page in the console.
  function caseLink(entry) {
    const id = entry.streamId;
    if (entry.program === 'assistance') return '/assistance/' + id;
    if (entry.program === 'linkage') {
      if (entry.kind.startsWith('linkage.task_')) return '/tasks/' + id;
      if (['linkage.need_collected', 'linkage.consent_given', 'linkage.consent_withdrawn',
           'linkage.need_withdrawn'].includes(entry.kind)) return '/needs/' + id;
      return '/referrals/' + id;
    }
    return '/streams/' + id;
  }

  function timelineItem(entry, fresh) {
    return h('li', {class: fresh ? 'fresh' : null, 'data-position': entry.position, 'data-kind': entry.kind},
      h('time', {datetime: entry.occurredAt, text: fmtTime(entry.occurredAt)}),
      h('span', {class: 'program', text: programName(entry.program)}),
      h('span', {}, link(caseLink(entry), entry.summary, {class: 'entry-link', title: T.open_case}),
        h('br'), h('small', {}, `${entry.kind} · ${T.who}: ${entry.actor.id || '—'}${entry.actor.office ? ' (' + entry.actor.office + ')' : ''}`)));
  }

  const TIMELINE = `query Timeline($id: ID!, $after: String, $programs: [String!], $since: DateTime, $until: DateTime) {
    resident(id: $id) { timeline(first: 30, after: $after, programs: $programs, since: $since, until: $until) {
      pageInfo { hasNextPage endCursor }
      edges { node { occurredAt program kind summary position streamId streamVersion actor { id role office } } } } } }`;

  function timelineSection(r, params) {
    const program = params.get('program') || '';
    const since = params.get('since') || '';
    const until = params.get('until') || '';
    const filters = h('form', {class: 'row', id: 'timeline-filters'},
      h('label', {}, T.program, h('select', {name: 'program', id: 'tl-program'},
        h('option', {value: '', text: T.all_programs}),
        PROGRAMS.map((p) => h('option', {value: p, selected: p === program, text: programName(p)})))),
      h('label', {}, T.since, h('input', {type: 'date', name: 'since', id: 'tl-since', value: since})),
      h('label', {}, T.until, h('input', {type: 'date', name: 'until', id: 'tl-until', value: until})),
      h('button', {type: 'submit', text: T.filter}));
    filters.addEventListener('submit', (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const [key, value] of new FormData(filters)) if (value) next.set(key, value);
      const query = next.toString();
      navigate(`/residents/${encodeURIComponent(r.id)}${query ? '?' + query : ''}`);
    });
    const live = h('span', {id: 'live', class: 'live off', 'data-state': 'off', 'aria-live': 'polite', text: T.live_off});
    const list = h('ol', {class: 'timeline', id: 'timeline', 'aria-live': 'polite'});
    const sentinel = h('div', {class: 'sentinel', id: 'timeline-end', text: T.loading});
    const section = h('section', {'aria-labelledby': 'timeline-h'},
      h('h2', {id: 'timeline-h'}, T.timeline, ' ', live), filters, list, sentinel);

    // Dates are the bureau's (Asia/Shanghai): a day runs from 00:00 to 24:00 +08:00.
    const variables = {id: r.id, programs: program ? [program] : null,
                       since: since ? `${since}T00:00:00+08:00` : null, until: until ? `${until}T23:59:59.999+08:00` : null};
    const seen = new Set();
    let after = null;
    let more = true;
    let loading = false;
    const loadMore = async () => {
      if (loading || !more) return;
      loading = true;
      const result = await gql(TIMELINE, Object.assign({}, variables, {after}));
      loading = false;
      if (!result.data) {
        sentinel.replaceChildren(errorBox(result.errors));
        more = false;
        return;
      }
      const conn = result.data.resident.timeline;
      for (const {node} of conn.edges) {
        if (seen.has(node.position + ':' + node.streamId)) continue;
        seen.add(node.position + ':' + node.streamId);
        list.append(timelineItem(node, false));
      }
      after = conn.pageInfo.endCursor;
      more = conn.pageInfo.hasNextPage;
      sentinel.textContent = more ? T.loading : T.end_of_timeline;
      if (more && sentinel.getBoundingClientRect().top < window.innerHeight + 200) loadMore();
    };
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    }, {rootMargin: '200px'});
    observer.observe(sentinel);
    page.cleanups.push(() => observer.disconnect());
    loadMore();

    // Live entries: new ones go on top, if they pass the filters.
    const accepts = (entry) => (!program || entry.program === program)
      && (!variables.since || new Date(entry.occurredAt) >= new Date(variables.since))
      && (!variables.until || new Date(entry.occurredAt) <= new Date(variables.until));
    subscribe(`subscription Live($id: ID!) { timelineEvents(residentId: $id) {
        occurredAt program kind summary position streamId streamVersion actor { id role office } } }`,
      {id: r.id}, (data) => {
        const entry = data.timelineEvents;
        const key = entry.position + ':' + entry.streamId;
        if (seen.has(key) || !accepts(entry)) return;
        seen.add(key);
        list.prepend(timelineItem(entry, true));
      }, (state) => {
        live.dataset.state = state;
        live.className = state === 'on' ? 'live' : 'live off';
        live.textContent = state === 'on' ? '● ' + T.live : T.live_off;
      });
    return section;
  }

  // One subscription over graphql-transport-ws, reconnecting with backoff while the page is shown.
  function subscribe(query, variables, onData, onState) {
    let socket = null;
    let stopped = false;
    let attempt = 0;
    let timer = null;
    const open = () => {
      const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
      socket = new WebSocket(scheme + location.host + CONFIG.graphql, 'graphql-transport-ws');
      socket.binaryType = 'arraybuffer';  // the API sends its JSON as binary frames
      const decoder = new TextDecoder();
      socket.addEventListener('open', () => {
        socket.send(JSON.stringify({type: 'connection_init', payload: {Authorization: 'Bearer ' + session.token}}));
      });
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(typeof event.data === 'string' ? event.data : decoder.decode(event.data));
        if (message.type === 'connection_ack') {
          attempt = 0;
          socket.send(JSON.stringify({id: '1', type: 'subscribe', payload: {query, variables}}));
          onState('on');
        } else if (message.type === 'ping') {
          socket.send(JSON.stringify({type: 'pong'}));
        } else if (message.type === 'next' && message.payload && message.payload.data) {
          onData(message.payload.data);
        } else if (message.type === 'error') {
          onState('error');
        }
      });
      socket.addEventListener('close', () => {
        onState('off');
        if (stopped) return;
        attempt += 1;
        timer = setTimeout(open, Math.min(30000, 500 * 2 ** attempt));
      });
    };
    open();
    page.cleanups.push(() => {
      stopped = true;
      clearTimeout(timer);
      if (socket) socket.close(1000);
    });
  }

  // ---- forms that call mutations ------------------------------------------------------------------------

  // A form for one mutation: its idempotency key is made when the form is shown (a second submit after a lost
  // answer is a retry: the first result comes back with `replayed: true`); typed errors go next to their field.
  function mutationForm({id, title, mutation, inputType, fields, input, onDone}) {
    let key = newKey();
    const form = h('form', {class: 'action stack', id, 'data-mutation': mutation},
      h('h3', {text: title}),
      fields.map((f) => h('div', {class: 'field'},
        h('label', {for: `${id}-${f.name}`, text: f.label}),
        f.type === 'select'
          ? h('select', {id: `${id}-${f.name}`, name: f.name, required: f.required},
              h('option', {value: '', text: '—'}), f.options.map(([value, text]) => h('option', {value, text})))
          : f.type === 'textarea'
          ? h('textarea', {id: `${id}-${f.name}`, name: f.name, required: f.required, rows: 2, maxlength: 2000})
          : h('input', {id: `${id}-${f.name}`, name: f.name, type: f.type || 'text', required: f.required,
                        value: f.value === undefined ? null : f.value, maxlength: f.type === 'number' ? null : 2000}),
        h('p', {class: 'error', id: `${id}-${f.name}-error`, role: 'alert'}))),
      h('p', {class: 'error', id: `${id}-error`, role: 'alert'}),
      h('p', {class: 'ok', id: `${id}-ok`, 'aria-live': 'polite'}),
      h('button', {type: 'submit', text: title}));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const el of form.querySelectorAll('.error')) el.textContent = '';
      const values = {};
      for (const f of fields) {
        let value = form.elements[f.name].value;
        if (f.type === 'number') value = value === '' ? null : Number(value);
        if (value === '' || value === null) continue;
        if (f.path) values[f.path[0]] = Object.assign(values[f.path[0]] || {}, {[f.path[1]]: value});
        else values[f.name] = value;
      }
      const button = form.querySelector('button');
      button.disabled = true;
      const result = await gql(`mutation Act($i: ${inputType}!) { ${mutation}(input: $i) { version position replayed } }`,
        {i: Object.assign({}, input, values, {idempotencyKey: key})});
      button.disabled = false;
      if (result.errors && result.errors.length) {
        for (const e of result.errors) {
          const ext = e.extensions || {};
          const field = ext.field || (ext.path && ext.path[ext.path.length - 1]) || ext.variable;
          const slot = (field && form.querySelector(`#${id}-${CSS.escape(String(field))}-error`)) || form.querySelector(`#${id}-error`);
          slot.textContent = `${ext.code || T.error}: ${e.message}`;
        }
        return;
      }
      const payload = result.data[mutation];
      key = newKey();
      form.querySelector(`#${id}-ok`).textContent = payload.replayed ? T.replayed : T.done;
      if (onDone) onDone(payload);
    });
    return form;
  }

  function historyTable(rows, id) {
    return table([T.when, T.what, T.who, T.reason], rows.map((e) => h('tr', {},
      h('td', {text: fmtTime(e.occurredAt)}),
      h('td', {}, e.summary ? [e.summary, h('br'), h('small', {text: e.kind})] : e.kind),
      h('td', {text: [e.actorId, e.actorRole, e.actorOffice].filter(Boolean).join(' · ')}),
      h('td', {text: e.reason || ''}))), {id});
  }

  const canCommand = () => session.viewer.scopes.includes('command') && session.viewer.role !== 'inspector';

  // A referral: its state, the actions this principal may take in it, its history.
  async function referralPage([id], params) {
    const root = view();
    const minPosition = Number(params.get('minPosition')) || null;
    const result = await gql(`query ReferralPage($id: ID!) { referral(id: $id) {
        id referralId status version leadParty proposedLeadParty urgency referredAt acceptedAt completedAt closedAt due
        overdue declines lastDeclineReason outcome subItem { label labelZh }
        resident { id name } organisation { id name office } community { id name office district }
        tasks(first: 200) { edges { node { id title status dueOn ownerStaffId } } }
        history(first: 50) { edges { node { kind occurredAt actorId actorRole actorOffice reason position } } } } }`,
      {id}, {minPosition});
    if (!result.data) {
      root.append(errorBox(result.errors));
      return;
    }
    const r = result.data.referral;
    const label = CONFIG.lang === 'zh' ? r.subItem.labelZh : r.subItem.label;
    setTitle(`${T.referral} · ${label}`);
    root.append(h('h1', {}, `${T.referral}: ${label}`),
      h('section', {class: 'card', 'aria-labelledby': 'state-h'}, h('h2', {id: 'state-h', text: T.current_state}),
        facts([[T.status, statusName(r.status), {id: 'referral-status', 'data-status': r.status}], [T.urgency, r.urgency], [T.lead_party, r.leadParty],
               [T.organisation, r.organisation && r.organisation.name], [T.community, r.community && r.community.name],
               [T.name, r.resident ? link('/residents/' + encodeURIComponent(r.resident.id), r.resident.name || '—') : '—'],
               [T.referred_at, fmtTime(r.referredAt)], [T.due, fmtTime(r.due)],
               [T.overdue, r.overdue ? '✔' : '—'], [T.outcome, r.outcome], [T.version, r.version]])));
    const actions = h('section', {class: 'card', id: 'actions', 'aria-labelledby': 'actions-h'},
      h('h2', {id: 'actions-h', text: T.actions}));
    const v = session.viewer;
    const staff = r.organisation && r.organisation.office && r.organisation.office === v.office;
    const committee = (r.community && r.community.office === v.office) || v.role === 'supervisor';
    const base = {referralId: r.id, expectedVersion: r.version};
    const reload = (payload) => navigate(`/referrals/${encodeURIComponent(id)}?minPosition=${payload.position}`, true);
    const forms = [];
    if (canCommand()) {
      if (staff && r.status === 'REFERRED') {
        forms.push(mutationForm({id: 'accept', title: T.accept, mutation: 'acceptReferral', inputType: 'AcceptReferralInput',
                                 fields: [{name: 'reason', label: T.reason}], input: base, onDone: reload}));
        forms.push(mutationForm({id: 'decline', title: T.decline, mutation: 'declineReferral', inputType: 'DeclineReferralInput',
                                 fields: [{name: 'reason', label: T.reason, required: true}], input: base, onDone: reload}));
      }
      if (staff && r.status === 'ACCEPTED') {
        forms.push(mutationForm({id: 'start', title: T.start_work, mutation: 'startReferralWork', inputType: 'StartReferralWorkInput',
                                 fields: [{name: 'reason', label: T.reason}], input: base, onDone: reload}));
      }
      if (staff && ['ACCEPTED', 'IN_PROGRESS'].includes(r.status)) {
        forms.push(mutationForm({id: 'complete', title: T.complete, mutation: 'completeReferral', inputType: 'CompleteReferralInput',
                                 fields: [{name: 'outcome', label: T.outcome, required: true, type: 'textarea'}], input: base, onDone: reload}));
      }
      if (committee && r.status === 'DECLINED') {
        const orgs = await districtOrganisations(r.community ? r.community.district : v.district);
        forms.push(mutationForm({id: 'reassign', title: T.reassign, mutation: 'reassignReferral', inputType: 'ReassignReferralInput',
                                 fields: [{name: 'organisationId', label: T.organisation, required: true, type: 'select',
                                           options: orgs.filter((o) => !r.organisation || o.id !== r.organisation.id)
                                             .map((o) => [o.id, `${o.name} (${o.kind})`])},
                                          {name: 'reason', label: T.reason, required: true},
                                          {name: 'deviationReason', label: T.deviation_reason}],
                                 input: Object.assign({sharePersonalData: true}, base), onDone: reload}));
      }
      if (committee && r.status === 'COMPLETED' && r.resident) {
        forms.push(mutationForm({id: 'feedback', title: T.feedback, mutation: 'recordReferralFeedback',
                                 inputType: 'RecordReferralFeedbackInput',
                                 fields: [{name: 'satisfaction', label: T.satisfaction, type: 'number', required: true, value: 5},
                                          {name: 'method', path: ['confirmation', 'method'], label: T.confirmation, type: 'select',
                                           required: true, options: ['SIGNED_FORM', 'IN_PERSON', 'PHONE_CALLBACK', 'SMS_REPLY', 'ONLINE']
                                             .map((m) => [m, m])},
                                          {name: 'reference', path: ['confirmation', 'reference'], label: T.confirmation_reference,
                                           required: true},
                                          {name: 'comment', label: T.comment, type: 'textarea'}],
                                 input: Object.assign({respondentId: r.resident.id}, base), onDone: reload}));
      }
      if (committee && r.status === 'COMPLETED') {
        forms.push(mutationForm({id: 'close', title: T.close, mutation: 'closeReferral', inputType: 'CloseReferralInput',
                                 fields: [{name: 'reason', label: T.reason, required: true}], input: base, onDone: reload}));
      }
    }
    actions.append(...(forms.length ? forms : [h('p', {text: T.no_actions})]));
    root.append(actions);
    const tasks = r.tasks.edges.map((e) => e.node);  // a page of 200: the most the API gives at once
    if (tasks.length) {
      root.append(h('section', {class: 'card'}, h('h2', {text: T.tasks}),
        table([T.what, T.status, T.due, T.who], tasks.map((t) => h('tr', {},
          h('td', {text: t.title}), h('td', {text: statusName(t.status)}), h('td', {text: t.dueOn}), h('td', {text: t.ownerStaffId || ''}))))));
    }
    root.append(h('section', {class: 'card'}, h('h2', {text: T.history}),
      historyTable(r.history.edges.map((e) => e.node), 'referral-history')));
  }

  // The linkage organisations of a district (the caller's, or the community's), to refer or reassign to.
  async function districtOrganisations(district) {
    const found = [];
    let after = null;
    for (let i = 0; i < 5; i += 1) {
      const result = await gql(`query Organisations($d: String, $after: String) {
          linkageOrganisations(district: $d, first: 100, after: $after) { pageInfo { hasNextPage endCursor }
            edges { node { id name office kind district } } } }`, {d: district, after});
      if (!result.data) break;
      found.push(...result.data.linkageOrganisations.edges.map((e) => e.node));
      if (!result.data.linkageOrganisations.pageInfo.hasNextPage) break;
      after = result.data.linkageOrganisations.pageInfo.endCursor;
    }
    return found;
  }

  // An assistance case: its state, the step this principal may take, its history.
  async function assistancePage([id], params) {
    const root = view();
    const minPosition = Number(params.get('minPosition')) || null;
    const result = await gql(`query AssistancePage($id: ID!) { assistanceCase(id: $id) {
        id caseId programName status district office version householdSize appliedOn applicant { id name }
        monthlyAmount perCapitaIncome eligible findings sourcesAnswered sourcesFailed noticeEndsOn assessedBy decidedBy
        history(first: 50) { edges { node { kind summary occurredAt actorId actorRole actorOffice reason } } } } }`,
      {id}, {minPosition});
    if (!result.data) {
      root.append(errorBox(result.errors));
      return;
    }
    const c = result.data.assistanceCase;
    setTitle(`${T.assistance_case} · ${c.programName}`);
    root.append(h('h1', {text: `${T.assistance_case}: ${c.programName}`}),
      h('section', {class: 'card'}, h('h2', {text: T.current_state}),
        facts([[T.status, statusName(c.status), {id: 'assistance-status', 'data-status': c.status}],
               [T.applicant, c.applicant ? link('/residents/' + encodeURIComponent(c.applicant.id), c.applicant.name || '—') : '—'],
               [T.district, c.district], [T.household_size, c.householdSize], [T.applied_on, c.appliedOn],
               [T.sources, `${c.sourcesAnswered}${c.sourcesFailed.length ? ' (✗ ' + c.sourcesFailed.join(', ') + ')' : ''}`],
               [T.monthly_amount, c.monthlyAmount], [T.notice_ends, c.noticeEndsOn], [T.version, c.version]])));
    const v = session.viewer;
    const inDistrict = v.district === c.district;
    const base = {caseId: c.id, expectedVersion: c.version};
    const reload = (payload) => navigate(`/assistance/${encodeURIComponent(id)}?minPosition=${payload.position}`, true);
    const reason = [{name: 'reason', label: T.reason}];
    const forms = [];
    if (canCommand() && inDistrict) {
      const form = (fid, title, mutation, inputType, fields) => forms.push(
        mutationForm({id: fid, title, mutation, inputType, fields, input: base, onDone: reload}));
      if (c.status === 'APPLIED') form('verify', T.request_verification, 'requestHouseholdVerification', 'RequestHouseholdVerificationInput', reason);
      if (c.status === 'VERIFYING' && c.sourcesFailed.length) form('retry', T.retry_verification, 'retryHouseholdVerification', 'RetryHouseholdVerificationInput', reason);
      if (c.status === 'VERIFYING') form('assess', T.assess, 'assessAssistance', 'AssessAssistanceInput', reason);
      if (c.status === 'ASSESSED') form('notice', T.post_notice, 'postAssistanceNotice', 'PostAssistanceNoticeInput',
                                        [{name: 'days', label: T.days, type: 'number', value: 7}, ...reason]);
      if (c.status === 'IN_NOTICE' && v.role === 'supervisor') {
        form('approve', T.approve, 'approveAssistance', 'ApproveAssistanceInput', reason);
        form('reject', T.reject, 'rejectAssistance', 'RejectAssistanceInput', [{name: 'reason', label: T.reason, required: true}]);
      }
    }
    root.append(h('section', {class: 'card', id: 'actions'}, h('h2', {text: T.actions}),
      ...(forms.length ? forms : [h('p', {text: T.no_actions})])));
    root.append(h('section', {class: 'card'}, h('h2', {text: T.history}),
      historyTable(c.history.edges.map((e) => e.node), 'assistance-history')));
  }

  async function needPage([id]) {
    const root = view();
    const result = await gql(`query NeedPage($id: ID!) { need(id: $id) { id status urgency channel collectedAt
        subItem { label labelZh } resident { id name } referral { referralId } } }`, {id});
    if (!result.data) {
      root.append(errorBox(result.errors));
      return;
    }
    const n = result.data.need;
    if (root !== view()) return;
    if (n.referral) return navigate('/referrals/' + n.referral.referralId, true);
    const label = CONFIG.lang === 'zh' ? n.subItem.labelZh : n.subItem.label;
    setTitle(`${T.need} · ${label}`);
    root.append(h('h1', {text: `${T.need}: ${label}`}), h('section', {class: 'card'},
      facts([[T.status, statusName(n.status)], [T.urgency, n.urgency], [T.when, fmtTime(n.collectedAt)],
             [T.name, n.resident ? link('/residents/' + encodeURIComponent(n.resident.id), n.resident.name || '—') : '—']])));
  }

  async function taskPage([id]) {
    const root = view();
    const result = await gql('query TaskPage($id: ID!) { linkageTask(id: $id) { referral { referralId } } }', {id});
    if (root !== view()) return;
    if (result.data && result.data.linkageTask.referral) return navigate('/referrals/' + result.data.linkageTask.referral.referralId, true);
    root.append(errorBox(result.errors || [{message: T.not_found}]));
  }

  // Any other stream (inspectors): its recorded history.
  async function streamPage([id]) {
    const root = view();
    setTitle(T.stream_history);
    root.append(h('h1', {text: `${T.stream_history}: ${id}`}));
    const result = await gql(`query StreamPage($id: ID!) { streamHistory(streamId: $id, first: 50) { edges { node {
        streamVersion kind occurredAt reason actor { id role office } } } } }`, {id});
    if (!result.data) {
      root.append(errorBox(result.errors), h('p', {text: T.needs_audit}));
      return;
    }
    root.append(historyTable(result.data.streamHistory.edges.map(({node}) => ({
      occurredAt: node.occurredAt, kind: `${node.kind} (v${node.streamVersion})`, actorId: node.actor.id,
      actorRole: node.actor.role, actorOffice: node.actor.office, reason: node.reason})), 'stream-history'));
  }

  // Work queues: my referrals and linkage tasks by bucket, the assistance cases awaiting my step; with counts.
  async function queuesPage() {
    const root = view();
    setTitle(T.queues_title);
    const v = session.viewer;
    root.append(h('h1', {text: T.queues_title}));
    const linkageBox = h('section', {class: 'card', id: 'linkage-queue', 'aria-labelledby': 'lq-h'},
      h('h2', {id: 'lq-h', text: T.linkage_queue}));
    const assistanceBox = h('section', {class: 'card', id: 'assistance-queue', 'aria-labelledby': 'aq-h'},
      h('h2', {id: 'aq-h', text: T.assistance_queue}));
    root.append(linkageBox, assistanceBox);

    const QUEUE_ITEMS = `counts { overdue dueSoon open }
        edges { node { kind bucket due urgency subItem { label labelZh }
          referral { referralId status resident { name } } task { taskId title } need { needId } } }`;
    const orgs = [];
    if (v.district) {
      let after = null;
      for (let i = 0; i < 5; i += 1) {
        const result = await gql(`query MyOrganisations($d: String, $after: String) {
            linkageOrganisations(district: $d, first: 100, after: $after) { pageInfo { hasNextPage endCursor }
              edges { node { id name office } } } }`, {d: v.district, after});
        if (!result.data) break;
        orgs.push(...result.data.linkageOrganisations.edges.map((e) => e.node).filter((o) => o.office && o.office === v.office));
        if (!result.data.linkageOrganisations.pageInfo.hasNextPage) break;
        after = result.data.linkageOrganisations.pageInfo.endCursor;
      }
    }
    const queues = [...orgs.map((o) => ({title: o.name, variables: {org: o.id, staff: null}})),
                    {title: T.my_tasks, variables: {org: null, staff: v.subject}}];
    const totals = {overdue: 0, dueSoon: 0, open: 0};
    const countsBox = h('div', {class: 'counts', id: 'queue-counts'});
    linkageBox.append(countsBox);
    for (const q of queues) {
      const result = await gql(`query Queue($org: ID, $staff: String) {
          linkageWorkQueue(organisationId: $org, staffId: $staff, first: 50) { ${QUEUE_ITEMS} } }`, q.variables);
      if (!result.data) {
        linkageBox.append(errorBox(result.errors));
        continue;
      }
      const conn = result.data.linkageWorkQueue;
      for (const k of Object.keys(totals)) totals[k] += conn.counts[k];
      linkageBox.append(h('h3', {text: q.title}));
      if (!conn.edges.length) {
        linkageBox.append(h('p', {text: '—'}));
        continue;
      }
      linkageBox.append(table([T.kind, T.status, T.due, T.what, T.name], conn.edges.map(({node}) => {
        const label = CONFIG.lang === 'zh' ? node.subItem.labelZh : node.subItem.label;
        const target = node.referral ? '/referrals/' + node.referral.referralId : (node.need ? '/needs/' + node.need.needId : null);
        const bucket = node.bucket.toLowerCase();
        return h('tr', {'data-bucket': node.bucket},
          h('td', {text: kindName(node.kind)}),
          h('td', {}, h('span', {class: 'badge ' + bucket, text: T[bucket] || node.bucket})),
          h('td', {text: fmtTime(node.due)}),
          h('td', {}, target ? link(target, node.task ? `${node.task.title} (${label})` : label, {class: 'queue-link'}) : label),
          h('td', {text: node.referral && node.referral.resident ? node.referral.resident.name || '' : ''}));
      })));
    }
    countsBox.append(
      h('div', {}, h('span', {class: 'count', id: 'count-overdue', text: totals.overdue}), T.overdue),
      h('div', {}, h('span', {class: 'count', id: 'count-due-soon', text: totals.dueSoon}), T.due_soon),
      h('div', {}, h('span', {class: 'count', id: 'count-open', text: totals.open}), T.open));

    // Assistance: caseworkers verify, assess and post notices; supervisors decide after the notice.
    const steps = v.role === 'supervisor' ? ['IN_NOTICE'] : ['APPLIED', 'VERIFYING', 'ASSESSED'];
    const result = await gql(`query AssistanceQueue($f: AssistanceCaseFilter) { assistanceCases(filter: $f, first: 50) {
        pageInfo { hasNextPage } edges { node { caseId programName status appliedOn applicant { name } } } } }`,
      {f: {status: steps, district: v.district || null}});
    if (!result.data) {
      assistanceBox.append(errorBox(result.errors));
      return;
    }
    const conn = result.data.assistanceCases;
    const byStatus = Object.fromEntries(steps.map((s) => [s, 0]));
    for (const {node} of conn.edges) byStatus[node.status] += 1;
    assistanceBox.append(h('div', {class: 'counts', id: 'assistance-counts'}, steps.map((s) =>
      h('div', {}, h('span', {class: 'count', text: byStatus[s] + (conn.pageInfo.hasNextPage ? '+' : '')}), statusName(s)))));
    assistanceBox.append(conn.edges.length ? table([T.assistance_case, T.status, T.applied_on, T.applicant],
      conn.edges.map(({node}) => h('tr', {},
        h('td', {}, link('/assistance/' + node.caseId, node.programName)), h('td', {text: statusName(node.status)}),
        h('td', {text: node.appliedOn}), h('td', {text: node.applicant ? node.applicant.name || '' : ''})))) : h('p', {text: '—'}));
  }

  // Inspectors: the audit log, a case as of a date, the integrity verification, the access report.
  async function inspectorPage(args, params) {
    const root = view();
    setTitle(T.inspector_title);
    root.append(h('h1', {text: T.inspector_title}));
    if (!session.viewer.scopes.includes('audit')) root.append(h('p', {class: 'error', text: T.needs_audit}));

    // The audit log.
    const auditForm = h('form', {class: 'row', id: 'audit-form'},
      h('label', {}, T.actor_id, h('input', {name: 'actorId'})),
      h('label', {}, T.office, h('input', {name: 'office'})),
      h('label', {}, T.program, h('select', {name: 'program'}, h('option', {value: '', text: T.all_programs}),
        PROGRAMS.map((p) => h('option', {value: p, text: programName(p)})))),
      h('label', {}, T.event_kind, h('input', {name: 'kind', placeholder: 'Resident.DetailsCorrected'})),
      h('label', {}, T.stream, h('input', {name: 'streamId', size: 36})),
      h('label', {}, T.since, h('input', {name: 'since', type: 'date'})),
      h('label', {}, T.until, h('input', {name: 'until', type: 'date'})),
      h('button', {type: 'submit', text: T.filter}));
    const auditBody = h('tbody', {});
    const auditMore = h('button', {type: 'button', class: 'secondary', hidden: true, text: T.more});
    const auditError = h('div', {});
    let auditFilter = {};
    let auditAfter = null;
    const loadAudit = async () => {
      const result = await gql(`query Audit($f: AuditLogFilter, $after: String) { auditLog(filter: $f, first: 50, after: $after) {
          pageInfo { hasNextPage endCursor } edges { node { position occurredAt program kind streamId streamVersion reason
          correlationId actor { id role office } } } } }`, {f: auditFilter, after: auditAfter});
      if (!result.data) {
        auditError.replaceChildren(errorBox(result.errors));
        return;
      }
      for (const {node} of result.data.auditLog.edges) {
        auditBody.append(h('tr', {},
          h('td', {text: node.position}), h('td', {text: fmtTime(node.occurredAt)}), h('td', {text: programName(node.program)}),
          h('td', {text: node.kind}), h('td', {}, link('/streams/' + node.streamId, `${node.streamId.slice(0, 8)}… v${node.streamVersion}`)),
          h('td', {text: [node.actor.id, node.actor.role, node.actor.office].filter(Boolean).join(' · ')}),
          h('td', {text: node.reason || ''})));
      }
      auditAfter = result.data.auditLog.pageInfo.endCursor;
      auditMore.hidden = !result.data.auditLog.pageInfo.hasNextPage;
    };
    auditForm.addEventListener('submit', (event) => {
      event.preventDefault();
      auditFilter = {};
      for (const [key, value] of new FormData(auditForm)) {
        if (!value) continue;
        if (key === 'since') auditFilter.since = `${value}T00:00:00+08:00`;
        else if (key === 'until') auditFilter.until = `${value}T23:59:59.999+08:00`;
        else auditFilter[key] = value;
      }
      auditAfter = null;
      auditBody.replaceChildren();
      loadAudit();
    });
    auditMore.addEventListener('click', loadAudit);
    root.append(h('section', {class: 'card', id: 'audit', 'aria-labelledby': 'audit-h'}, h('h2', {id: 'audit-h', text: T.audit_log}),
      auditForm, auditError, table([T.position, T.when, T.program, T.event_kind, T.stream, T.who, T.reason], auditBody, {id: 'audit-table'}),
      auditMore));

    // A case as of a date.
    const asOfForm = h('form', {class: 'row', id: 'asof-form'},
      h('label', {}, T.stream, h('input', {name: 'id', size: 36, required: true, value: params.get('stream') || ''})),
      h('label', {}, T.as_of, h('input', {name: 'asOf', type: 'datetime-local', required: true})),
      h('button', {type: 'submit', text: T.show}));
    const asOfOut = h('div', {id: 'asof-result'});
    asOfForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = await gql(`query AsOf($id: ID!, $asOf: DateTime!) { streamAt(id: $id, asOf: $asOf) {
          type version position recordedAt masked erased state } }`,
        {id: asOfForm.id.value.trim(), asOf: `${asOfForm.asOf.value}:00+08:00`});
      if (!result.data) {
        asOfOut.replaceChildren(errorBox(result.errors));
        return;
      }
      const s = result.data.streamAt;
      asOfOut.replaceChildren(facts([[T.kind, s.type], [T.version, s.version], [T.position, s.position],
                                     [T.when, fmtTime(s.recordedAt)]]),
        h('pre', {text: JSON.stringify(s.state, null, 2)}));
    });
    root.append(h('section', {class: 'card', id: 'asof'}, h('h2', {text: T.case_as_of}), asOfForm, asOfOut));

    // The integrity verification.
    const verifyOut = h('div', {id: 'integrity-result'});
    const verifyButton = h('button', {type: 'button', id: 'verify-button', text: T.verify});
    verifyButton.addEventListener('click', async () => {
      verifyButton.disabled = true;
      verifyOut.replaceChildren(h('p', {text: T.loading}));
      const result = await gql(`query Verify { verifyIntegrity { ok scope events streams checkpoints sealedUpTo text
          findings(first: 20) { edges { node { kind where message } } } } }`);
      verifyButton.disabled = false;
      if (!result.data) {
        verifyOut.replaceChildren(errorBox(result.errors));
        return;
      }
      const r = result.data.verifyIntegrity;
      verifyOut.replaceChildren(h('p', {class: r.ok ? 'ok' : 'error', id: 'integrity-ok', 'data-ok': r.ok ? '1' : '0',
                                        text: r.ok ? T.integrity_ok : T.integrity_bad}),
        h('ul', {}, r.findings.edges.map(({node}) => h('li', {text: `${node.kind} @ ${node.where}: ${node.message}`}))),
        h('pre', {text: r.text}));
    });
    root.append(h('section', {class: 'card', id: 'integrity'}, h('h2', {text: T.integrity}), verifyButton, verifyOut));

    // The access report: who read whose personal data, which fields, for what purpose.
    const accessForm = h('form', {class: 'row', id: 'access-form'},
      h('label', {}, T.resident_id, h('input', {name: 'residentId', size: 36, value: params.get('resident') || ''})),
      h('label', {}, T.reader, h('input', {name: 'readerId'})),
      h('label', {}, T.since, h('input', {name: 'since', type: 'date'})),
      h('button', {type: 'submit', text: T.show}));
    const accessOut = h('div', {id: 'access-result'});
    accessForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const filter = {};
      for (const [key, value] of new FormData(accessForm)) {
        if (value) filter[key] = key === 'since' ? `${value}T00:00:00+08:00` : value;
      }
      const result = await gql(`query Access($f: PersonalDataReadFilter) { personalDataReads(filter: $f, first: 50) {
          edges { node { readAt reader { id role office } residentId fields purpose operation } } } }`, {f: filter});
      if (!result.data) {
        accessOut.replaceChildren(errorBox(result.errors));
        return;
      }
      accessOut.replaceChildren(table([T.read_at, T.reader, T.resident_id, T.fields, T.purpose],
        result.data.personalDataReads.edges.map(({node}) => h('tr', {},
          h('td', {text: fmtTime(node.readAt)}), h('td', {text: [node.reader.id, node.reader.role, node.reader.office].filter(Boolean).join(' · ')}),
          h('td', {text: node.residentId}), h('td', {text: node.fields.join(', ')}), h('td', {text: node.purpose || '—'}))),
        {id: 'access-table'}));
    });
    root.append(h('section', {class: 'card', id: 'access'}, h('h2', {text: T.access_report}), accessForm, accessOut));
    if (session.viewer.scopes.includes('audit')) loadAudit();
  }

  // ---- start ------------------------------------------------------------------------------------------------

  (async () => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) await signIn(saved);
    render();
  })();
})();
