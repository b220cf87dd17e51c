// 线索处置: the commission's inbox of referred clues with their time limits (签收, one of
// the four dispositions, 办结 linking the accountability record), the evidence sealed in
// the audit log; supervisors refer a clue by hand and see the state only.

import * as api from './api.js';
import { h, show, failure, when, act } from './ui.js';

const CAUSE = {
  MANUAL: '督查移送', LONG_RED: '红牌超期', FALSIFICATION: '弄虚作假',
  BAD_RATINGS: '差评累计', BUCK_PASSING: '多次推诿',
};
const STAGE = { REFERRED: '待签收', RECEIVED: '已签收，待定处置方式', DISPOSED: '处置中', CONCLUDED: '已办结' };
const DISPOSITION = {
  TALK_OR_LETTER: '谈话函询', PRELIMINARY_CHECK: '初步核实', SHELVED: '暂存待查', CLOSED: '予以了结',
};

async function step(op, vars, done) {
  if (await act(op, vars, '已办理')) done();
}

function actions(r, done) {
  const note = h('input', { 'aria-label': '办理说明（仅纪检监察机关可见）', placeholder: '办理说明（仅纪检监察机关可见）', 'data-note': r.id });
  if (r.stage === 'REFERRED') {
    return h('div', { class: 'inline' }, note,
      h('button', { type: 'button', 'data-receive': r.id, onclick: () => step('ReceiveReferral', { id: r.id, note: note.value }, done) }, '签收'));
  }
  if (r.stage === 'RECEIVED') {
    const how = h('select', { 'aria-label': '处置方式', 'data-disposition': r.id },
      Object.entries(DISPOSITION).map(([k, v]) => h('option', { value: k }, v)));
    return h('div', { class: 'inline' }, how, note,
      h('button', { type: 'button', 'data-dispose': r.id, onclick: () => step('DisposeReferral', { id: r.id, disposition: how.value, note: note.value }, done) }, '确定处置方式'));
  }
  if (r.stage === 'DISPOSED') {
    const record = h('input', { 'aria-label': '关联的问责记录编号', placeholder: '关联的问责记录编号（如有）', 'data-record': r.id });
    return h('div', { class: 'inline' }, note, record,
      h('button', { type: 'button', 'data-conclude': r.id, onclick: () => step('ConcludeReferral', { id: r.id, note: note.value, record: record.value.trim() || null }, done) }, '办结'));
  }
  return null;
}

async function evidence(r, cell) {
  try {
    const data = await api.gql('ReferralEvidence', { id: r.id });
    const e = data.referral.evidence;
    cell.replaceChildren(h('p', { class: 'muted', 'data-evidence': r.id },
      '证据：' + e.entries.length + ' 条事件，审计日志树大小 ' + e.treeSize + '（均附包含证明，可离线核验）'),
      h('ol', {}, e.entries.map((x) => h('li', {}, when(x.occurredAt) + ' ' + x.eventType + ' · ' + x.actor))));
  } catch (err) {
    cell.replaceChildren(failure(err));
  }
}

function referForm(done) {
  const kind = h('select', { id: 'ref-kind', 'aria-label': '移送对象类型' },
    h('option', { value: 'PERSON' }, '个人'), h('option', { value: 'UNIT' }, '单位'));
  const subject = h('input', { id: 'ref-subject', required: true, placeholder: '人员或单位编号', 'aria-label': '移送对象编号' });
  const items = h('input', { id: 'ref-items', required: true, placeholder: '事项编号，多个用逗号分隔', 'aria-label': '关联事项' });
  const grounds = h('textarea', { id: 'ref-grounds', rows: 2, required: true, placeholder: '移送的事实和理由', 'aria-label': '移送理由' });
  const f = h('form', { class: 'inline', id: 'ref-form' }, kind, subject, items, grounds, h('button', { type: 'submit' }, '移送纪委监委'));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await step('ReferClue', { input: {
      subjectKind: kind.value, subjectId: subject.value.trim(), grounds: grounds.value,
      itemIds: items.value.split(/[,，\s]+/).filter(Boolean),
    } }, done);
  });
  return f;
}

export async function referralsView(state) {
  const body = h('section', { id: 'ref-body' });
  show(h('h1', {}, '线索处置'), body);
  const roles = (state.me && state.me.roles) || [];
  const commission = roles.includes('DISCIPLINE');
  async function draw() {
    try {
      const data = await api.gql('Referrals', {});
      const rows = data.referrals;
      body.replaceChildren(
        roles.includes('SUPERVISOR') ? h('section', {}, h('h2', {}, '移送问题线索'), referForm(draw)) : null,
        h('p', { class: 'muted' }, commission
          ? '签收、处置、办结各有时限；超期的以红色标出。'
          : '督查部门只能看到线索的办理阶段，看不到纪检监察机关的办理意见。'),
        h('div', { class: 'scroll' }, h('table', { class: 'board', id: 'ref-table' },
          h('thead', {}, h('tr', {}, ['移送时间', '来源', '对象', '单位', '事实和理由', '阶段', '时限', commission ? '办理' : null]
            .filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows.length ? rows.map((r) => {
            const cell = h('td', {}, commission ? actions(r, draw) : null,
              commission ? h('button', { type: 'button', class: 'link', 'data-show-evidence': r.id, onclick: () => evidence(r, cell) }, '查看证据') : null,
              commission && r.notes.length ? h('ul', { class: 'muted' }, r.notes.map((n) => h('li', {}, n))) : null);
            return h('tr', { 'data-referral': r.id, class: r.overdue ? 'late' : null },
              h('td', {}, when(r.referredAt)), h('td', {}, CAUSE[r.cause] || r.cause),
              h('td', {}, (r.subjectKind === 'UNIT' ? '单位 ' : '') + r.subjectId), h('td', {}, r.unitName),
              h('td', {}, r.grounds),
              h('td', { 'data-stage': r.id }, STAGE[r.stage] + (r.disposition ? '（' + DISPOSITION[r.disposition] + '）' : '')
                + (r.receivedLate ? '，签收超期' : '') + (r.concludedLate ? '，办结超期' : '')),
              h('td', { 'data-due': r.id }, r.dueOn ? (r.overdue ? '已超期（' + r.dueOn + '）' : r.dueOn + ' 前') : '—'),
              commission ? cell : null);
          }) : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, '暂无移送线索'))))));
    } catch (e) {
      body.replaceChildren(failure(e));
    }
  }
  await draw();
}
