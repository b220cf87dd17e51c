// 作风体检: the rounds, who has submitted (counts, never who gave what), the scores the
// caller is to give, and the results with ranks once a round closes.

import * as api from './api.js';
import { h, show, failure, act } from './ui.js';

const SOURCE = { SELF_ASSESSMENT: '科室自评', LEADER_COMMENT: '分管领导点评', PEER: '干部互评' };

function taskForm(round, task, done) {
  const inputs = round.dimensions.map((d) => {
    const old = (task.scores || []).find((s) => s.dimension === d);
    return [d, h('input', { type: 'number', min: 0, max: 100, required: true, value: old ? old.score : '', 'aria-label': task.name + ' ' + d })];
  });
  const form = h('form', { class: 'inline', 'data-task': task.unitId },
    h('strong', {}, task.name), h('span', { class: 'muted' }, '（' + SOURCE[task.source] + '）'),
    inputs.map(([d, i]) => h('label', {}, d, ' ', i)),
    h('button', { type: 'submit' }, task.scores ? '修改评分' : '提交评分'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await act('SubmitScores', {
      round: round.id, unit: task.unitId,
      scores: inputs.map(([d, i]) => ({ dimension: d, score: Number(i.value) })),
    }, '评分已提交（截止前可修改）')) done();
  });
  return form;
}

async function roundView(id, body) {
  const data = await api.gql('Review', { id });
  const r = data.conductReview;
  const again = () => roundView(id, body);
  const units = h('table', { class: 'board', id: 'review-units' },
    h('thead', {}, h('tr', {}, ['单位', '自评', '点评', '互评份数'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, r.units.map((u) => h('tr', {}, h('th', { scope: 'row' }, u.name),
      h('td', {}, u.selfAssessed ? '已交' : '未交'), h('td', {}, u.commented ? '已交' : '未交'), h('td', { class: 'n' }, u.peers)))));
  const tasks = r.status === 'OPEN' ? h('section', { id: 'review-tasks' }, h('h2', {}, '我的评分（' + r.myTasks.length + '）'),
    r.myTasks.length ? r.myTasks.map((t) => taskForm(r, t, again)) : h('p', { class: 'muted' }, '本轮无需您评分')) : null;
  const results = r.results.length ? h('section', { id: 'review-results' }, h('h2', {}, '评议结果'),
    h('div', { class: 'scroll' }, h('table', { class: 'board' },
      h('caption', {}, r.rankingNote + '；得分保留两位小数'),
      h('thead', {}, h('tr', {}, ['名次', '单位', '总分', '各维度', '缺项'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, r.results.map((x) => h('tr', { 'data-unit': x.unitId },
        h('td', {}, x.rank ?? '—'), h('th', { scope: 'row' }, x.name), h('td', { class: 'n' }, x.total ?? '—'),
        h('td', {}, x.dimensions.map((d) => d.dimension + ' ' + d.mean).join('；')),
        h('td', {}, x.missing.join('、')))))))) : null;
  body.replaceChildren(
    h('h2', {}, r.scopeName + ' ' + r.month + ' 作风体检'),
    h('p', { class: 'muted' }, (r.status === 'OPEN' ? '评议中，截止 ' + r.deadline : '已结束') +
      '；权重 自评' + r.weights.selfAssessment + '% 点评' + r.weights.leaderComment + '% 互评' + r.weights.peer + '%；排名末' + r.lowest + '位由分管领导谈心谈话'),
    h('div', { class: 'scroll' }, units), tasks, results);
}

export async function reviewView(state, id) {
  const list = h('ul', { class: 'bulletins', id: 'review-list' });
  const body = h('article', { id: 'review-body' });
  show(h('h1', {}, '作风体检'), h('div', { class: 'split' }, list, body));
  try {
    const data = await api.gql('Reviews', {});
    if (!data.conductReviews.length) list.append(h('li', { class: 'muted' }, '暂无作风体检'));
    for (const r of data.conductReviews) {
      list.append(h('li', {}, h('a', { href: '#/review/' + encodeURIComponent(r.id) },
        r.scopeName + ' ' + r.month, h('br'), h('small', { class: 'muted' }, r.status === 'OPEN' ? '评议中，截止 ' + r.deadline : '已结束'))));
    }
    const open = id || (data.conductReviews[0] && data.conductReviews[0].id);
    if (open) await roundView(open, body);
  } catch (e) {
    list.append(failure(e));
  }
}
