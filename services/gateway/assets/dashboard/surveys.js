// 满意度评议: the surveys, a cadre's answer (never their own unit), the responses per
// group, and the results — per unit each indicator's mean with its count and rank, an
// ECharts chart per indicator, the overall rank, the sample flag — and the .xlsx.

import * as api from './api.js';
import { h, show, toast, failure, act } from './ui.js';

const GROUP = { CADRE: '机关干部', PUBLIC: '服务对象', DEPUTY: '两代表一委员' };

function answerForm(s, done) {
  const names = Object.fromEntries(s.units.map((u) => [u.unitId, u.name]));
  const rows = s.answerableUnitIds.map((u) => [u, s.indicators.map((i) =>
    [i, h('input', { type: 'number', min: 0, max: 100, required: true, class: 'percent', 'aria-label': names[u] + ' ' + i })])]);
  const form = h('form', { id: 'survey-answer' },
    h('div', { class: 'scroll' }, h('table', { class: 'board' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '单位'), s.indicators.map((i) => h('th', { scope: 'col' }, i)))),
      h('tbody', {}, rows.map(([u, inputs]) => h('tr', {}, h('th', { scope: 'row' }, names[u]),
        inputs.map(([, el]) => h('td', {}, el))))))),
    h('p', { class: 'muted' }, '每人只能提交一次，提交后不能修改；评分不与您的身份一同保存。'),
    h('button', { type: 'submit' }, '提交评议'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await act('AnswerSurvey', {
      id: s.id,
      answers: rows.map(([u, inputs]) => ({ unitId: u, scores: inputs.map(([i, el]) => ({ indicator: i, score: Number(el.value) })) })),
    }, '评议已提交，感谢参与')) done();
  });
  return form;
}

function charts(s, holder) {
  if (!window.echarts || !s.results.length) return () => {};
  const names = s.results.map((r) => r.name);
  const made = s.indicators.map((ind, i) => {
    const el = h('div', { class: 'chart', role: 'img', 'aria-label': ind + '满意度（各单位均分）', 'data-indicator': ind });
    holder.append(el);
    const chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      title: { text: ind, left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', max: 100 },
      series: [{ name: ind, type: 'bar', color: '#b71c1c', label: { show: true, position: 'top' },
        data: s.results.map((r) => (r.indicators[i].mean === null ? null : Number(r.indicators[i].mean))) }],
    });
    return chart;
  });
  const resize = () => made.forEach((c) => c.resize());
  window.addEventListener('resize', resize);
  return () => { window.removeEventListener('resize', resize); made.forEach((c) => c.dispose()); };
}

async function xlsx(s) {
  const resp = await fetch('/survey/v1/' + encodeURIComponent(s.id) + '.xlsx', {
    headers: { authorization: 'Bearer ' + api.token() },
  });
  if (!resp.ok) {
    toast('下载失败（' + resp.status + '）');
    return;
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = h('a', { href: url, download: s.title.replace(/[\\/:*?"<>|]/g, '_') + '.xlsx' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function surveyView(state, id, body) {
  const data = await api.gql('Survey', { id });
  const s = data.survey;
  const again = () => surveyView(state, id, body);
  const counts = s.responses.map((r) => GROUP[r.group] + ' ' + r.count + ' 份').join('；') || '尚无答卷';
  const results = s.results.length ? h('section', { id: 'survey-results' }, h('h2', {}, s.status === 'OPEN' ? '结果（实时）' : '评议结果'),
    h('div', { class: 'scroll' }, h('table', { class: 'board', id: 'survey-table' },
      h('caption', {}, s.rankingNote + '；' + s.roundingNote + '；样本不足' + s.minSample + '份的单位结果不具代表性'),
      h('thead', {}, h('tr', {}, ['名次', '单位', '综合满意度', '样本数'].concat(s.indicators).map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, s.results.map((r) => h('tr', { 'data-unit': r.unitId },
        h('td', {}, r.rank ?? '—'), h('th', { scope: 'row' }, r.name),
        h('td', { class: 'n' }, r.overall ?? '—'),
        h('td', { class: 'n' }, r.respondents, r.representative ? '' : h('span', { class: 'reason' }, ' 样本不足')),
        r.indicators.map((i) => h('td', { class: 'n' }, (i.mean ?? '—') + '（' + i.count + '份，第' + (i.rank ?? '—') + '名）')))))))) : null;
  const chartHolder = h('div', { class: 'charts', id: 'survey-charts' });
  const tools = h('div', { class: 'tools' },
    s.results.length ? h('button', { type: 'button', id: 'survey-xlsx', onclick: () => xlsx(s) }, '导出 .xlsx') : null);
  body.replaceChildren(
    h('h2', {}, s.title),
    h('p', { class: 'muted' }, s.scopeName + '；' + (s.status === 'OPEN' ? '评议中，截止 ' + s.deadline : '已结束') +
      '；评议对象：' + s.groups.map((g) => GROUP[g]).join('、')),
    h('p', { id: 'survey-counts' }, '已收答卷：' + counts + (s.links ? '；链接已发 ' + s.links.issued + ' 个，已用 ' + s.links.used + ' 个' : '')),
    tools,
    s.mayAnswer ? h('section', {}, h('h2', {}, '我的评议'), answerForm(s, again)) : null,
    results, chartHolder);
  const dispose = charts(s, chartHolder);
  state.stop.push(dispose);
}

export async function surveysView(state, id) {
  const list = h('ul', { class: 'bulletins', id: 'survey-list' });
  const body = h('article', { id: 'survey-body' });
  show(h('h1', {}, '满意度评议'), h('div', { class: 'split' }, list, body));
  try {
    const data = await api.gql('Surveys', {});
    if (!data.surveys.length) list.append(h('li', { class: 'muted' }, '暂无满意度评议'));
    for (const s of data.surveys) {
      list.append(h('li', {}, h('a', { href: '#/surveys/' + encodeURIComponent(s.id) },
        s.title, h('br'), h('small', { class: 'muted' }, s.status === 'OPEN' ? '评议中，截止 ' + s.deadline : '已结束'))));
    }
    const open = id || (data.surveys[0] && data.surveys[0].id);
    if (open) await surveyView(state, open, body);
  } catch (e) {
    list.append(failure(e));
  }
}
