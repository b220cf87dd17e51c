// The office's own page: what I must sign for, what is due, my notices to acknowledge,
// progress reports with evidence, and completion.

import * as api from './api.js';
import { h, show, card, when, failure, act } from './ui.js';

function reportForm(a, refresh) {
  const percent = h('input', { type: 'number', min: a.progressPercent, max: 100, value: Math.min(100, a.progressPercent + 10), 'aria-label': '完成百分比', class: 'percent' });
  const text = h('textarea', { rows: 2, 'aria-label': '进展情况', placeholder: '进展情况', required: true });
  const evidence = h('textarea', { rows: 2, 'aria-label': '佐证材料', placeholder: '佐证材料（每行一项：文件名或链接）' });
  const form = h('form', { class: 'inline', 'data-report': a.id }, percent, '%', text, evidence,
    h('button', { type: 'submit' }, '报送进度'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const lines = evidence.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (await act('Report', { id: a.id, version: a.version, percent: Number(percent.value), text: text.value, evidence: lines }, '进度已报送')) refresh();
  });
  return form;
}

function completeForm(a, refresh) {
  const result = h('textarea', { rows: 2, 'aria-label': '办理结果', placeholder: '办理结果', required: true });
  const form = h('form', { class: 'inline', 'data-complete': a.id }, result, h('button', { type: 'submit' }, '申请办结'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await act('Complete', { id: a.id, version: a.version, result: result.value }, '已报办结，待审核')) refresh();
  });
  return form;
}

export async function mineView(state) {
  show(h('p', { class: 'muted' }, '正在加载……'));
  const refresh = () => mineView(state);
  try {
    const data = await api.gql('Mine', { person: state.me.personId });
    const toSign = h('section', { id: 'to-sign' }, h('h2', {}, '待签收（' + data.toSign.nodes.length + '）'),
      data.toSign.nodes.length === 0 ? h('p', { class: 'muted' }, '无') :
        h('ul', {}, data.toSign.nodes.map((a) => h('li', { 'data-item': a.id }, card(a.color), ' ',
          h('a', { href: '#/item/' + encodeURIComponent(a.id) }, a.title), ' · 时限 ' + a.dueOn + ' ',
          h('button', { type: 'button', onclick: async () => { if (await act('Acknowledge', { id: a.id, version: a.version }, '已签收')) refresh(); } }, '签收')))));
    const doing = h('section', { id: 'doing' }, h('h2', {}, '在办事项（' + data.doing.nodes.length + '）'),
      data.doing.nodes.length === 0 ? h('p', { class: 'muted' }, '无') :
        h('ul', {}, data.doing.nodes.map((a) => h('li', { 'data-item': a.id }, card(a.color), ' ',
          h('a', { href: '#/item/' + encodeURIComponent(a.id) }, a.title),
          h('div', { class: 'muted' }, a.stateLabel + ' · 时限 ' + a.dueOn + ' · 进度 ' + a.progressPercent + '%'),
          h('details', {}, h('summary', {}, '报送进度'), reportForm(a, refresh)),
          h('details', {}, h('summary', {}, '办结'), completeForm(a, refresh))))));
    const notices = h('section', { id: 'notices' }, h('h2', {}, '我的通知'),
      h('ul', {}, data.myNotifications.nodes.map((n) => h('li', { 'data-notice': n.id, class: n.readAt ? '' : 'unread' },
        h('strong', {}, n.title), ' ', h('small', { class: 'muted' }, when(n.createdAt)),
        h('div', {}, n.body),
        n.requiresAck && !n.acknowledgedAt ? h('button', { type: 'button', class: 'ack', onclick: async () => {
          if (await act('AcknowledgeNotice', { id: n.id }, '已确认收到')) refresh();
        } }, '确认收到') : n.acknowledgedAt ? h('small', { class: 'acked' }, '已确认 ' + when(n.acknowledgedAt)) : null))));
    show(h('h1', {}, '我的待办'), toSign, doing, notices);
    state.stop.push(api.subscribe('NoticeReceived', {}, () => refresh()));
  } catch (e) {
    show(failure(e));
  }
}
