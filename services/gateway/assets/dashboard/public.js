// The page the public opens from a link or QR code, with no account: `#r=<token>` rates
// one completed item (好差评), `#s=<token>` answers one survey. The token stays in the
// URL fragment, which no server log sees, and is sent only in the body of a POST.

import { h, show } from './ui.js';

const LEVELS = [
  ['VERY_SATISFIED', '非常满意'], ['SATISFIED', '满意'], ['FAIRLY_SATISFIED', '基本满意'],
  ['DISSATISFIED', '不满意'], ['VERY_DISSATISFIED', '非常不满意'],
];

async function post(path, body) {
  const resp = await fetch('/public/v1/' + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'omit',
    body: JSON.stringify(body),
  });
  const json = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const e = (json.errors && json.errors[0]) || {};
    const message = json.message || e.message;
    if (resp.status === 404) throw new Error('链接无效、已使用或评价已结束');
    if (resp.status === 429) throw new Error('操作过于频繁，请稍后再试');
    throw new Error(message || '提交失败（' + resp.status + '）');
  }
  return json;
}

function done(text) {
  show(h('section', { class: 'public-card', id: 'public-done' }, h('h1', {}, '提交成功'), h('p', {}, text)));
}

function failed(e) {
  show(h('section', { class: 'public-card' }, h('h1', {}, '无法打开'), h('p', { class: 'error', role: 'alert', id: 'public-error' }, e.message)));
}

async function rating(token) {
  const f = await post('rating', { token });
  const head = [
    h('h1', {}, '请您评价'),
    h('p', {}, h('strong', {}, f.title)),
    h('p', { class: 'muted' }, '办理单位：' + f.unitName + '；办结日期：' + f.completedOn),
  ];
  if (!f.mayRate) {
    show(h('section', { class: 'public-card', id: 'rating-closed' }, head,
      f.previous ? h('p', {}, '您的评价：' + f.previous.label) : null,
      h('p', { class: 'muted', id: 'rating-note' }, f.note || '')));
    return;
  }
  const choices = LEVELS.map(([v, label], i) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'level', value: v, required: true, id: 'level-' + i }), ' ', label));
  const comment = h('textarea', { id: 'rating-comment', rows: 4, maxlength: 500, placeholder: '请写下您的意见或建议（选填，不超过500字）' });
  const note = h('p', { class: 'error', role: 'alert' }, '');
  const form = h('form', { class: 'public-card', id: 'rating-form' }, head,
    f.previous ? h('p', { class: 'muted' }, '整改已完成，您可以再次评价（上次：' + f.previous.label + '）') : null,
    h('fieldset', {}, h('legend', {}, '满意程度'), choices),
    h('label', { for: 'rating-comment' }, '意见建议'), comment, note,
    h('button', { type: 'submit', id: 'rating-submit' }, '提交评价'),
    h('p', { class: 'muted' }, '评价不需要登录，也不记录您的身份。'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const level = form.querySelector('input[name=level]:checked');
    if (!level) {
      note.textContent = '请选择满意程度';
      return;
    }
    try {
      await post('rating/rate', { token, level: level.value, comment: comment.value });
      done(level.value.includes('DISSATISFIED')
        ? '感谢您的评价。我们将督促办理单位整改，并回访听取您的意见；整改完成后，您可通过本链接再次评价。'
        : '感谢您的评价！');
    } catch (e) {
      note.textContent = e.message;
    }
  });
  show(form);
}

async function survey(token) {
  const f = await post('survey', { token });
  const units = f.units.map((u) => [u, f.indicators.map((ind) =>
    [ind, h('input', { type: 'number', min: 0, max: 100, inputmode: 'numeric', class: 'percent', 'aria-label': u.name + ' ' + ind })])]);
  const note = h('p', { class: 'error', role: 'alert' }, '');
  const form = h('form', { class: 'public-card', id: 'survey-form' },
    h('h1', {}, f.title),
    h('p', { class: 'muted' }, f.scopeName + '；您的身份：' + f.group + '；截止 ' + f.deadline),
    h('p', {}, '请按 0 至 100 分为各单位打分；不了解的单位可整行不填。每个链接只能提交一次。'),
    units.map(([u, inputs]) => h('fieldset', { 'data-unit': u.unitId }, h('legend', {}, u.name),
      inputs.map(([ind, el]) => h('label', { class: 'score' }, h('span', {}, ind), el)))),
    note,
    h('button', { type: 'submit', id: 'survey-submit' }, '提交'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const answers = [];
    for (const [u, inputs] of units) {
      const filled = inputs.filter(([, el]) => el.value !== '');
      if (!filled.length) continue;
      if (filled.length < inputs.length) {
        note.textContent = '请为「' + u.name + '」的每项指标打分，或整行不填';
        return;
      }
      answers.push({ unitId: u.unitId, scores: inputs.map(([ind, el]) => ({ indicator: ind, score: Number(el.value) })) });
    }
    if (!answers.length) {
      note.textContent = '请至少为一个单位打分';
      return;
    }
    try {
      await post('survey/answer', { token, answers });
      done('感谢您参与评议！');
    } catch (e) {
      note.textContent = e.message;
    }
  });
  show(form);
}

async function start() {
  const params = new URLSearchParams(location.hash.slice(1));
  try {
    if (params.get('r')) await rating(params.get('r'));
    else if (params.get('s')) await survey(params.get('s'));
    else throw new Error('链接不完整，请重新扫码或打开完整链接');
  } catch (e) {
    failed(e);
  }
}

window.addEventListener('hashchange', start);
start();
