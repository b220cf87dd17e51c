// 县级总览 / 亮牌公示: one row per unit under a scope with its cards, rates, rank and the
// rank's movement since a week before; a table and ECharts charts; a date to see a past
// day; live through boardChanged; and a full-screen wall that rotates through scopes.

import * as api from './api.js';
import { h, show, rate, addDays, movement, failure } from './ui.js';

async function load(scope, asOf) {
  const data = await api.gql('Board', { scope, asOf });
  const board = data.board;
  let ranks = {};
  try {
    const last = await api.gql('Ranks', { scope, asOf: addDays(board.to, -7) });
    ranks = Object.fromEntries(last.board.rows.map((r) => [r.unit.id, r.rank]));
  } catch (e) {
    // A week before the first event has no board: movement shows as "—".
  }
  return { board, ranks };
}

function table(board, ranks, id) {
  const head = ['排名', '单位', '蓝牌', '黄牌', '红牌', '在办', '超期', '按时办结率', '及时签收率', '好评率', '差评整改率', '较上周'];
  const pct = (v) => (v === null || v === undefined ? '—' : v + '%');
  return h('div', { class: 'scroll' }, h('table', { class: 'board', id },
    h('caption', {}, '截至 ' + board.to + '，' + board.rankingNote),
    h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, board.rows.map((r) => h('tr', { 'data-unit': r.unit.id },
      h('td', {}, r.rank ?? '—'),
      h('th', { scope: 'row' }, h('a', { href: '#/unit/' + encodeURIComponent(r.unit.id) }, r.unit.name)),
      h('td', { class: 'n blue' }, r.blue),
      h('td', { class: 'n yellow' }, r.yellow),
      h('td', { class: 'n red' }, r.red),
      h('td', { class: 'n' }, r.open),
      h('td', { class: 'n' }, r.overdue),
      h('td', { class: 'n' }, rate(r.onTimeRate)),
      h('td', { class: 'n' }, rate(r.ackOnTimeRate)),
      h('td', { class: 'n', 'data-col': 'good-rate' }, pct(r.ratings && r.ratings.goodRate)),
      h('td', { class: 'n' }, pct(r.ratings && r.ratings.rectificationRate)),
      h('td', {}, movement(r.rank, ranks[r.unit.id]))))),
    h('tfoot', {}, h('tr', {},
      h('td', {}), h('th', { scope: 'row' }, '合计'),
      h('td', { class: 'n' }, board.total.blue), h('td', { class: 'n' }, board.total.yellow),
      h('td', { class: 'n' }, board.total.red), h('td', { class: 'n' }, board.total.open),
      h('td', { class: 'n' }, board.total.overdue), h('td', { class: 'n' }, rate(board.total.onTimeRate)),
      h('td', { class: 'n' }, rate(board.total.ackOnTimeRate)),
      h('td', { class: 'n' }, pct(board.total.ratings && board.total.ratings.goodRate)),
      h('td', { class: 'n' }, pct(board.total.ratings && board.total.ratings.rectificationRate)), h('td', {})))));
}

function charts(board, cardsEl, rateEl) {
  if (!window.echarts) return () => {};
  const names = board.rows.map((r) => r.unit.name);
  // A chart over the units, titled, its legend below.
  const chart = (el, title, yAxis, series) => {
    const c = echarts.init(el, null, { renderer: 'canvas' });
    c.setOption({
      animation: false,
      title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', ...yAxis },
      series,
    });
    return c;
  };
  const cards = chart(cardsEl, '亮牌情况', { minInterval: 1 }, [
    { name: '蓝牌', type: 'bar', stack: 'c', color: '#2f6fdf', data: board.rows.map((r) => r.blue) },
    { name: '黄牌', type: 'bar', stack: 'c', color: '#e6a700', data: board.rows.map((r) => r.yellow) },
    { name: '红牌', type: 'bar', stack: 'c', color: '#d4380d', data: board.rows.map((r) => r.red) },
  ]);
  const pct = (v) => (v === null ? null : Math.round(v * 1000) / 10);
  const rates = chart(rateEl, '按时办结率 / 及时签收率（%）', { max: 100 }, [
    { name: '按时办结率', type: 'bar', color: '#389e0d', data: board.rows.map((r) => pct(r.onTimeRate)) },
    { name: '及时签收率', type: 'line', color: '#531dab', data: board.rows.map((r) => pct(r.ackOnTimeRate)) },
  ]);
  const resize = () => { cards.resize(); rates.resize(); };
  window.addEventListener('resize', resize);
  return () => { window.removeEventListener('resize', resize); cards.dispose(); rates.dispose(); };
}

export async function boardView(state, scope) {
  const picker = h('input', { type: 'date', id: 'as-of', 'aria-label': '查看某日的看板' });
  const today = h('button', { type: 'button', id: 'as-of-today' }, '回到今天');
  const title = h('h1', {}, '县级总览 · 亮牌公示');
  const status = h('p', { class: 'muted', id: 'board-status', 'aria-live': 'polite' }, '正在加载……');
  const holder = h('div', { id: 'board-holder' });
  const cardsEl = h('div', { class: 'chart', id: 'chart-cards', role: 'img', 'aria-label': '各单位亮牌柱状图' });
  const rateEl = h('div', { class: 'chart', id: 'chart-rates', role: 'img', 'aria-label': '各单位按时办结率与及时签收率' });
  show(title, h('div', { class: 'tools' }, h('label', { for: 'as-of' }, '日期'), picker, today), status, holder,
    h('div', { class: 'charts' }, cardsEl, rateEl));
  let asOf = null;
  let dispose = () => {};
  let drawing = null;
  async function draw() {
    try {
      const { board, ranks } = await load(scope, asOf);
      if (!picker.max) picker.max = board.to;
      picker.value = board.to;
      holder.replaceChildren(table(board, ranks, 'board-table'));
      dispose();
      dispose = charts(board, cardsEl, rateEl);
      status.textContent = (asOf ? '历史看板：' : '实时看板：') + board.to;
      if (!performance.getEntriesByName('board-drawn').length) performance.mark('board-drawn');
    } catch (e) {
      holder.replaceChildren(failure(e));
    }
  }
  function redraw() {
    if (drawing) return;
    drawing = setTimeout(() => { drawing = null; draw(); }, 300);
  }
  picker.addEventListener('change', () => { asOf = picker.value || null; if (asOf === picker.max) asOf = null; draw(); });
  today.addEventListener('click', () => { asOf = null; draw(); });
  await draw();
  state.stop.push(() => dispose());
  state.stop.push(api.subscribe('BoardChanged', { scope }, () => { if (!asOf) redraw(); }));
}

/** 亮牌公示 on a wall screen: full screen, large type, rotating through the scope and the
 *  units under it every 20 seconds, redrawn live. */
export async function wallView(state) {
  const screen = h('section', { class: 'wall', id: 'wall' });
  const full = h('button', { type: 'button', id: 'wall-full', onclick: () => screen.requestFullscreen && screen.requestFullscreen() }, '全屏显示');
  show(h('div', { class: 'tools' }, h('h1', {}, '亮牌公示'), full), screen);
  const scopes = [null];
  let i = 0;
  let dispose = () => {};
  async function draw() {
    const scope = scopes[i % scopes.length];
    try {
      const { board, ranks } = await load(scope, null);
      if (scopes.length === 1) {
        for (const r of board.rows) if (r.open > 0) scopes.push(r.unit.id);
      }
      const cardsEl = h('div', { class: 'chart big' });
      const rateEl = h('div', { class: 'chart big' });
      const name = scope ? (board.total.unit && board.total.unit.name) || '' : '全县';
      screen.replaceChildren(h('h2', {}, name + ' · 重点工作亮牌公示'), table(board, ranks, 'wall-table'),
        h('div', { class: 'charts' }, cardsEl, rateEl));
      dispose();
      dispose = charts(board, cardsEl, rateEl);
    } catch (e) {
      screen.replaceChildren(failure(e));
    }
  }
  await draw();
  const timer = setInterval(() => { i += 1; draw(); }, 20000);
  state.stop.push(() => clearInterval(timer), () => dispose());
  state.stop.push(api.subscribe('BoardChanged', {}, () => draw()));
}
