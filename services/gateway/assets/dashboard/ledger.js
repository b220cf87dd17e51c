// 作风表现台账: a cadre's record over a period, by category, from what happened (the
// caller's own by default; leaders, supervisors and DISCIPLINE may open another's), and
// its .xlsx.

import * as api from './api.js';
import { h, show, toast, failure } from './ui.js';

async function xlsx(person, from, to) {
  const q = '?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to);
  const resp = await fetch('/conduct/v1/' + encodeURIComponent(person) + '.xlsx' + q, {
    headers: { authorization: 'Bearer ' + api.token() },
  });
  if (!resp.ok) {
    toast('下载失败（' + resp.status + '）');
    return;
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = h('a', { href: url, download: '作风表现台账-' + person + '.xlsx' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export async function ledgerView(state, person) {
  const year = new Date().getFullYear();
  const who = h('input', { id: 'ledger-person', value: person || (state.me && state.me.personId) || '', 'aria-label': '干部编号' });
  const from = h('input', { id: 'ledger-from', type: 'date', value: year + '-01-01', 'aria-label': '开始日期' });
  const to = h('input', { id: 'ledger-to', type: 'date', value: year + '-12-31', 'aria-label': '结束日期' });
  const body = h('section', { id: 'ledger-body' });
  const form = h('form', { class: 'inline', id: 'ledger-form' }, who, from, to, h('button', { type: 'submit' }, '查看'),
    h('button', { type: 'button', id: 'ledger-xlsx', onclick: () => xlsx(who.value.trim(), from.value, to.value) }, '导出 .xlsx'));
  show(h('h1', {}, '作风表现台账'), form, body);
  async function draw() {
    try {
      const data = await api.gql('ConductLedger', { person: who.value.trim(), from: from.value, to: to.value });
      const l = data.conductLedger;
      body.replaceChildren(
        h('p', { class: 'muted', id: 'ledger-counts' }, l.unitName + ' · ' + l.from + ' 至 ' + l.to + '：' +
          l.counts.map((c) => c.category + ' ' + c.count + ' 项').join('；')),
        h('div', { class: 'scroll' }, h('table', { class: 'board', id: 'ledger-table' },
          h('thead', {}, h('tr', {}, ['日期', '类别', '事项', '内容'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, l.lines.length ? l.lines.map((x) => h('tr', {},
            h('td', {}, x.on), h('td', {}, x.category), h('td', {}, x.what),
            h('td', {}, x.itemId ? h('a', { href: '#/item/' + encodeURIComponent(x.itemId) }, x.text) : x.text)))
            : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, '此期间无记录'))))));
    } catch (e) {
      body.replaceChildren(failure(e));
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); draw(); });
  await draw();
}
