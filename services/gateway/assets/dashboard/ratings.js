// 好差评: the ratings of the caller's scope, newest first (the rater is never recorded),
// each 差评 with its 整改 and appeal; the unit's leader appeals a 差评 it thinks untrue,
// a supervisor decides.

import * as api from './api.js';
import { h, show, toast, failure, when, act } from './ui.js';

const APPEAL = { PENDING: '申诉待裁定', UPHELD: '申诉成立（不计入统计）', REFUSED: '申诉不成立' };

function appealForm(r, again) {
  const reasons = h('textarea', { rows: 2, required: true, 'aria-label': '申诉理由', placeholder: '申诉理由' });
  const evidence = h('input', { 'aria-label': '佐证材料', placeholder: '佐证材料（如通话录音、办理记录）' });
  const form = h('form', { class: 'inline', 'data-appeal': r.id }, reasons, evidence, h('button', { type: 'submit' }, '提出申诉'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await act('AppealRating', { id: r.id, reasons: reasons.value, evidence: evidence.value || null }, '申诉已提交，等待督查人员裁定')) again();
  });
  return form;
}

function decideForm(r, again) {
  const note = h('input', { required: true, 'aria-label': '裁定理由', placeholder: '裁定理由' });
  const decide = (upheld) => async () => {
    if (!note.value.trim()) {
      toast('请写明裁定理由');
      return;
    }
    if (await act('DecideAppeal', { id: r.id, upheld, note: note.value }, '已裁定')) again();
  };
  return h('div', { class: 'inline', 'data-decide': r.id }, note,
    h('button', { type: 'button', onclick: decide(true) }, '申诉成立'),
    h('button', { type: 'button', onclick: decide(false) }, '申诉不成立'));
}

export async function ratingsView(state) {
  const only = h('input', { type: 'checkbox', id: 'bad-only' });
  const list = h('ul', { class: 'items', id: 'rating-list' });
  show(h('h1', {}, '好差评'), h('p', { class: 'tools' }, only, h('label', { for: 'bad-only' }, '只看差评')), list);
  const roles = (state.me && state.me.roles) || [];
  async function draw() {
    try {
      const data = await api.gql('Ratings', { badOnly: only.checked });
      list.replaceChildren(...(data.ratings.length ? data.ratings.map((r) => h('li', { 'data-rating': r.id },
        h('strong', { class: r.bad ? 'red' : '' }, r.levelLabel), ' ', r.title, ' · ', r.unitName, ' · ', when(r.ratedAt),
        r.current ? '' : h('span', { class: 'muted' }, '（已再次评价）'),
        r.comment ? h('p', {}, '意见：' + r.comment) : null,
        r.bad ? h('p', { class: 'muted' }, r.rectified ? '已整改' : '整改中',
          r.rectificationId ? [' · ', h('a', { href: '#/item/' + encodeURIComponent(r.rectificationId) }, '整改事项')] : '') : null,
        r.appeal ? h('p', { class: 'reason' }, APPEAL[r.appeal.status] || r.appeal.status, '：', r.appeal.reasons,
          r.appeal.decisionNote ? '；裁定：' + r.appeal.decisionNote : '') : null,
        r.bad && !r.appeal && roles.includes('UNIT_LEADER') ? appealForm(r, draw) : null,
        r.appeal && r.appeal.status === 'PENDING' && roles.includes('SUPERVISOR') ? decideForm(r, draw) : null))
        : [h('li', { class: 'muted' }, '暂无评价')]));
    } catch (e) {
      list.replaceChildren(failure(e));
    }
  }
  only.addEventListener('change', draw);
  await draw();
}
