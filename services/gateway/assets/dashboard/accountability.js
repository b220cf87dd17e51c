// 追责问责: the records the caller may read (a superseded one stays, marked), and for
// DISCIPLINE the form that records a decision or corrects an earlier one.

import * as api from './api.js';
import { h, show, failure, when, act } from './ui.js';

function recordForm(forms, records, done) {
  const kind = h('select', { id: 'acc-kind', 'aria-label': '问责对象类型' },
    h('option', { value: 'PERSON' }, '个人'), h('option', { value: 'UNIT' }, '单位'));
  const subject = h('input', { id: 'acc-subject', required: true, placeholder: '人员或单位编号', 'aria-label': '问责对象编号' });
  const form = h('select', { id: 'acc-form', 'aria-label': '问责形式' }, forms.map((f) => h('option', { value: f }, f)));
  const grounds = h('textarea', { id: 'acc-grounds', rows: 3, required: true, placeholder: '问责依据和事实', 'aria-label': '问责依据' });
  const on = h('input', { id: 'acc-on', type: 'date', required: true, 'aria-label': '决定日期' });
  const by = h('input', { id: 'acc-by', required: true, placeholder: '作出决定的机关', 'aria-label': '决定机关' });
  const number = h('input', { id: 'acc-number', placeholder: '上级通报文号（仅上级通报批评）', 'aria-label': '上级通报文号' });
  const supersedes = h('select', { id: 'acc-supersedes', 'aria-label': '更正的记录' }, h('option', { value: '' }, '（新记录，不更正）'),
    records.filter((r) => !r.supersededBy).map((r) => h('option', { value: r.id }, r.subjectId + ' ' + r.form + ' ' + r.decidedOn)));
  const f = h('form', { class: 'inline', id: 'acc-record' }, kind, subject, form, grounds, on, by, number, supersedes,
    h('button', { type: 'submit', id: 'acc-submit' }, '记录'));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await act('RecordAccountability', { input: {
      subjectKind: kind.value, subjectId: subject.value.trim(), form: form.value, grounds: grounds.value,
      decidedOn: on.value, decidedBy: by.value, documentNumber: number.value.trim() || null,
      supersedes: supersedes.value || null,
    } }, '已记录；本人及所在单位负责人将收到通知')) done();
  });
  return f;
}

export async function accountabilityView(state) {
  const body = h('section', { id: 'acc-body' });
  show(h('h1', {}, '追责问责'), body);
  async function draw() {
    try {
      const data = await api.gql('Accountability', {});
      const records = data.accountabilityRecords;
      const discipline = ((state.me && state.me.roles) || []).includes('DISCIPLINE');
      body.replaceChildren(
        discipline ? h('section', {}, h('h2', {}, '记录问责决定'), recordForm(data.accountabilityForms, records, draw)) : null,
        h('div', { class: 'scroll' }, h('table', { class: 'board', id: 'acc-table' },
          h('thead', {}, h('tr', {}, ['决定日期', '对象', '单位', '形式', '依据', '决定机关', '状态'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, records.length ? records.map((r) => h('tr', { 'data-record': r.id },
            h('td', {}, r.decidedOn), h('td', {}, (r.subjectKind === 'UNIT' ? '单位 ' : '') + r.subjectId), h('td', {}, r.unitName),
            h('td', {}, r.form + (r.documentNumber ? '（' + r.documentNumber + '）' : '')), h('td', {}, r.grounds),
            h('td', {}, r.decidedBy), h('td', {}, r.supersededBy ? '已更正' : (r.supersedes ? '更正记录' : '有效'), h('br'), h('small', { class: 'muted' }, when(r.recordedAt)))))
            : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, '暂无追责问责记录'))))));
    } catch (e) {
      body.replaceChildren(failure(e));
    }
  }
  await draw();
}
