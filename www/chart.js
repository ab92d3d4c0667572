/*
 * chart.js - a horizontal bar chart as inline SVG, drawn by the page (no
 * library): one row a group, its label and amount above the bar, and an
 * optional dashed outline for a budget.  Amounts are integer fen, shown as
 * yuan.  The chart has a name and each bar a <title>, for screen readers.
 */
'use strict';

const Chart = (() => {
	const {el, yuan} = Muster;
	const FONT = 14, ROW = 46, BAR = 16;

	/* Rough text width: CJK glyphs are square, others about half as wide. */
	const width = s => [...s].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e80 ? FONT : FONT * 0.56), 0);
	function clip(s, room) {
		if (width(s) <= room)
			return s;
		let t = '';
		for (const c of s) {
			if (width(t + c + '…') > room)
				break;
			t += c;
		}
		return t + '…';
	}

	/*
	 * rows: [{label, value (fen), budget? (fen)}]; name: the chart's accessible
	 * name; box: the element it goes in, whose width (within 300-720 px) the
	 * chart is drawn at, so its text keeps its size on a phone and a desk.
	 */
	function bars(rows, name, box) {
		const W = Math.max(300, Math.min(720, (box && box.clientWidth) || 400));
		const H = Math.max(rows.length, 1) * ROW + 4;
		const max = Math.max(1, ...rows.map(r => Math.max(r.value || 0, r.budget || 0)));
		const svg = el('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': name});
		svg.append(el('title', {}, name));
		rows.forEach((r, i) => {
			const y = 2 + i * ROW;
			const amount = '¥' + yuan(r.value);
			const g = el('g', {class: 'row'});
			g.append(el('title', {}, `${r.label}: ${amount}` + (r.budget ? ` / ¥${yuan(r.budget)}` : '')));
			g.append(el('text', {x: 0, y: y + FONT}, clip(r.label, W - width(amount) - 12)));
			g.append(el('text', {class: 'amount', x: W, y: y + FONT, 'text-anchor': 'end'}, amount));
			if (r.budget)
				g.append(el('rect', {class: 'budget', x: 0.5, y: y + 20.5, width: Math.max(1, Math.round((r.budget / max) * W) - 1), height: BAR}));
			g.append(el('rect', {class: 'bar', x: 0, y: y + 21, width: Math.max(1, Math.round(((r.value || 0) / max) * W) - 1), height: BAR - 1}));
			svg.append(g);
		});
		return svg;
	}

	return {bars};
})();
