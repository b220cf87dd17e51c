// Small DOM helpers: elements built with text, never HTML strings; dates and rates in
// the office's way of writing them.

import * as api from './api.js';

export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes);
  return main;
}

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('on');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('on'), 4000);
}

// Runs the operation `name`; on success says `said` and answers true, else says why and
// answers false.
export async function act(name, variables, said) {
  try {
    await api.gql(name, variables);
    toast(said);
    return true;
  } catch (e) {
    toast(e.message);
    return false;
  }
}

export function rate(r) {
  return r === null || r === undefined ? '—' : (r * 100).toFixed(1) + '%';
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const z = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hour12: false,
  });
  return z.format(d);
}

export function addDays(day, n) {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const COLOR_LABEL = { BLUE: '蓝牌', YELLOW: '黄牌', RED: '红牌' };

export function card(color) {
  if (!color) return h('span', { class: 'card none' }, '无');
  return h('span', { class: 'card ' + color.toLowerCase() }, COLOR_LABEL[color] || color);
}

export function movement(now, before) {
  if (!now || !before) return h('span', { class: 'move' }, '—');
  if (now < before) return h('span', { class: 'move up', title: '名次上升' }, '↑' + (before - now));
  if (now > before) return h('span', { class: 'move down', title: '名次下降' }, '↓' + (now - before));
  return h('span', { class: 'move' }, '持平');
}

export function failure(e) {
  return h('p', { class: 'error', role: 'alert' }, '加载失败：' + (e && e.message ? e.message : e));
}
