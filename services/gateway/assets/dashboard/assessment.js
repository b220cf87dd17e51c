// 年度考核: the assessments the caller may read; for one, the places each quota gives, what
// still stands before publication, the ranking of people and 科室 with every figure as
// computed and as used, eligibility with its grounds; the 考评组 enters 述职 scores,
// 甄别 and its choice among the tied; the supervisor publishes.

import * as api from './api.js';
import { h, show, toast, failure, when, act } from './ui.js';

const LABEL = {
  ON_TIME: '按时办结率', CARDS: '督办牌', REVIEW: '作风体检', SURVEY: '满意度评议', RATINGS: '好差评', REPORT: '述职',
};
const ELIGIBILITY = {
  ELIGIBLE: '有资格', PENDING_SCREENING: '待甄别', EXCLUDED: '取消评先资格', RESTORED: '经甄别恢复资格',
};

async function run(op, vars, done) {
  if (await act(op, vars, '已录入')) done();
}

function figures(r) {
  return h('ul', { class: 'figures' }, r.figures.filter((f) => f.value !== null || f.computed !== null).map((f) =>
    h('li', {}, LABEL[f.indicator] + ' ' + (f.value ?? '—'),
      f.overrideReason ? h('small', { class: 'muted' }, '（调整，原计算值 ' + (f.computed ?? '—') + '：' + f.overrideReason + '）') : null)));
}

function panelTools(a, r, kind, done) {
  const score = h('input', { size: 5, 'aria-label': '述职得分', placeholder: '述职', 'data-report': r.subjectId });
  const tools = [score, h('button', { type: 'button', onclick: () => run('EnterReportScore', { a: a.id, kind, id: r.subjectId, score: score.value.trim() }, done) }, '录入')];
  if (r.eligibility === 'PENDING_SCREENING' && kind === 'PERSON') {
    const reason = h('input', { 'aria-label': '甄别意见', placeholder: '甄别意见', 'data-screen-reason': r.subjectId });
    const screen = (own) => () => run('ScreenAssessment', { a: a.id, kind, id: r.subjectId, own, reason: reason.value }, done);
    tools.push(reason,
      h('button', { type: 'button', 'data-own': r.subjectId, onclick: screen(true) }, '属本人责任'),
      h('button', { type: 'button', 'data-not-own': r.subjectId, onclick: screen(false) }, '非本人责任'));
  }
  return h('div', { class: 'inline' }, tools);
}

function table(a, rows, kind, panel, done) {
  const id = kind === 'PERSON' ? 'assess-people' : 'assess-units';
  return h('div', { class: 'scroll' }, h('table', { class: 'board', id },
    h('thead', {}, h('tr', {}, ['名次', kind === 'PERSON' ? '人员' : '科室', '综合得分', '各项指标', '评先资格', kind === 'PERSON' ? '先进工作者' : '先进科室', panel ? '考评组录入' : null]
      .filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-subject': r.subjectId, class: r.eligibility === 'EXCLUDED' ? 'late' : null },
      h('td', {}, r.rank ?? '—'), h('td', {}, r.subjectId), h('td', { 'data-composite': r.subjectId }, r.composite ?? '—'),
      h('td', {}, figures(r), r.adjustments.map((x) => h('small', { class: 'muted' }, '加减分 ' + x.points + '：' + x.reason))),
      h('td', { 'data-eligibility': r.subjectId }, ELIGIBILITY[r.eligibility], r.grounds.length ? h('ul', { class: 'muted' }, r.grounds.map((g) => h('li', {}, g))) : null),
      h('td', { 'data-selected': r.subjectId }, r.selected ? (kind === 'PERSON' ? '✓ 推荐使用' : '✓') : ''),
      panel && a.status === 'OPEN' ? h('td', {}, panelTools(a, r, kind, done)) : null)))));
}

function tieForm(a, t, done) {
  const boxes = t.tiedIds.map((id) => h('label', {}, h('input', { type: 'checkbox', value: id, 'data-tie': id }), ' ' + id));
  const reason = h('input', { id: 'tie-reason', 'aria-label': '确定理由', placeholder: '考评组确定的理由' });
  return h('div', { class: 'inline', id: 'tie-' + t.subjectKind },
    h('span', {}, '并列于最后名额，从中确定 ' + t.places + ' 个：'), boxes, reason,
    h('button', { type: 'button', id: 'tie-decide', onclick: () => run('DecideAssessmentTie', {
      a: a.id, kind: t.subjectKind, chosen: boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value), reason: reason.value,
    }, done) }, '确定'));
}

async function oneView(state, id) {
  const body = h('section', { id: 'assess-body' });
  show(h('h1', {}, '年度考核'), body);
  async function draw() {
    try {
      const a = (await api.gql('Assessment', { id })).assessment;
      const me = state.me || {};
      const panel = a.panelIds.includes(me.personId);
      const supervisor = (me.roles || []).includes('SUPERVISOR');
      body.replaceChildren(
        h('h2', {}, a.scopeName + a.year + '年度考核（' + (a.status === 'PUBLISHED' ? '已公布 ' + when(a.publishedAt) : '进行中') + '）'),
        h('p', { id: 'assess-quota' }, '先进工作者 ' + a.personPlaces + ' 名（参评人数的 ' + a.settings.personQuotaPct + '%），先进科室 ' + a.unitPlaces
          + ' 个（' + a.settings.unitQuotaPct + '%）；小数名额' + ({ DOWN: '舍去', HALF_UP: '四舍五入', UP: '进一' }[a.settings.quotaRounding] || '')
          + '；末位并列' + ({ PANEL: '由考评组确定并记录', INCLUDE_ALL: '全部入选', EXCLUDE_ALL: '均不入选' }[a.settings.tieRule] || '') + '。'),
        a.pending.length ? h('ul', { id: 'assess-pending', class: 'error' }, a.pending.map((p) => h('li', {}, p))) : null,
        panel && a.status === 'OPEN' ? h('div', { id: 'assess-ties' }, a.ties.map((t) => tieForm(a, t, draw))) : null,
        supervisor && a.status === 'OPEN' ? h('button', { type: 'button', id: 'assess-publish', onclick: async () => {
          if (await act('PublishAssessment', { id: a.id }, '考核结果已公布')) draw();
        } }, '公布考核结果') : null,
        h('h2', {}, '干部'), table(a, a.people, 'PERSON', panel, draw),
        h('h2', {}, '科室'), table(a, a.units, 'UNIT', panel, draw));
    } catch (e) {
      body.replaceChildren(failure(e));
    }
  }
  await draw();
}

function openForm() {
  const scope = h('input', { id: 'open-scope', required: true, placeholder: '考核范围（单位编号）', 'aria-label': '考核范围' });
  const year = h('input', { id: 'open-year', type: 'number', required: true, value: new Date().getFullYear(), 'aria-label': '考核年度' });
  const panel = h('input', { id: 'open-panel', required: true, placeholder: '考评组成员编号，多个用逗号分隔', 'aria-label': '考评组' });
  const f = h('form', { class: 'inline', id: 'open-assessment' }, scope, year, panel, h('button', { type: 'submit' }, '组织年度考核'));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const a = (await api.gql('OpenAssessment', { input: {
        scopeUnitId: scope.value.trim(), year: Number(year.value),
        panelIds: panel.value.split(/[,，\s]+/).filter(Boolean),
      } })).openAssessment;
      location.hash = '#/assessment/' + encodeURIComponent(a.id);
    } catch (e) {
      toast(e.message);
    }
  });
  return f;
}

export async function assessmentView(state, id) {
  if (id) return oneView(state, id);
  const body = h('section', { id: 'assess-list' });
  const supervisor = ((state.me && state.me.roles) || []).includes('SUPERVISOR');
  show(h('h1', {}, '年度考核'), supervisor ? openForm() : null, body);
  try {
    const list = (await api.gql('Assessments', {})).assessments;
    body.replaceChildren(list.length
      ? h('ul', {}, list.map((a) => h('li', {}, h('a', { href: '#/assessment/' + encodeURIComponent(a.id) }, a.scopeName + a.year + '年度考核'),
        ' ', h('small', { class: 'muted' }, a.status === 'PUBLISHED' ? '已公布' : '进行中'))))
      : h('p', { class: 'muted' }, '暂无年度考核'));
  } catch (e) {
    body.replaceChildren(failure(e));
  }
}
