// web.mjs - the browser half of tests/browser/web.sh: drives headless chromium
// through the pages with playwright-core and prints one TAP line a check,
// numbered on from TAP_FROM; writes "COUNT FAILED" to TAP_FILE at the end.
// Everything it needs comes from the environment web.sh sets.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
const { chromium } = await import(pathToFileURL(path.join(env.NODE_MODULES, 'playwright-core', 'index.mjs')).href);
const B = env.BASE;
const WAIT = 15000;

let n = Number(env.TAP_FROM || 0);
let failed = 0;
function ok(cond, desc, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${desc}`);
	if (!cond) {
		failed++;
		if (diag)
			console.log(String(diag).split('\n').slice(0, 8).map(l => '#   ' + l).join('\n'));
	}
}
// check(desc, f): ok unless f throws or returns false.
async function check(desc, f) {
	try {
		const r = await f();
		ok(r !== false, desc, r === false ? 'the condition was false' : undefined);
	} catch (e) {
		ok(false, desc, e.message);
	}
}
function finish(code) {
	fs.writeFileSync(env.TAP_FILE, `${n} ${failed}\n`);
	process.exit(code);
}

const ctx = await chromium.launchPersistentContext(env.PROFILE, {
	executablePath: env.CHROMIUM,
	headless: true,
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	viewport: { width: 390, height: 844 }, // a keeper's phone
	deviceScaleFactor: 1,
	isMobile: false,
	locale: 'zh-CN',
	timezoneId: 'Asia/Shanghai',
	acceptDownloads: true,
});
const page = ctx.pages()[0] || await ctx.newPage();
page.setDefaultTimeout(WAIT);
// The home page's site line (/api/v1/site) is held back a second, so each sign-in below leaves
// the home page with that request still running: the browser cuts it off, and that must not
// count as a script error (app.js drops a network error once the page is being left).
await page.route('**/api/v1/site', async r => {
	await new Promise(done => setTimeout(done, 1000));
	await r.continue().catch(() => {}); // the page that asked is gone
});

// Script errors and CSP violations on any page (failed requests, e.g. the expected 401s, are not errors here).
const errors = [];
page.on('pageerror', e => errors.push(`${page.url()}: ${e.message}`));
page.on('console', m => {
	if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
		errors.push(`${page.url()}: ${m.text()}`);
});
// Nothing leaves the server: every request goes to musterd.
const foreign = [];
page.on('request', r => {
	if (!r.url().startsWith(B) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
		foreign.push(r.url());
});

// A page, once its script has loaded what it shows first (app.js marks <body data-ready>).
async function open(p) {
	await page.goto(B + p);
	await page.locator('body[data-ready]').waitFor({ state: 'attached' });
}
const shot = name => page.screenshot({ path: path.join(env.SHOTS, name + '.png'), fullPage: true });
const text = sel => page.locator(sel).first().innerText();
const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

async function signIn(name, pass) {
	await page.locator('#signin-form').waitFor();
	await page.fill('#signin-name', name);
	await page.fill('#signin-pass', pass);
	await page.click('#signin-form button[type=submit]');
}
async function signOut() {
	await page.click('#signout');
	await page.waitForURL(/index\.html$/);
	await page.locator('#signin-form').waitFor();
}

try {
	// ---- a keeper ------------------------------------------------------------------------
	await page.goto(B + '/');
	await check('without a session the home page shows the sign-in form, in Chinese', async () => {
		await page.locator('#signin-form').waitFor();
		return (await page.getAttribute('html', 'lang')) === 'zh-CN' && (await text('#signin-h')) === '登录';
	});
	await signIn(env.KEEPER, 'not the passphrase');
	await check('a wrong passphrase is refused with a message', async () => {
		await page.locator('#signin-msg.error').waitFor();
		return /口令/.test(await text('#signin-msg'));
	});
	await signIn(env.KEEPER, env.PASSPHRASE);
	await check(`the keeper ${env.KEEPER} signs in: the header names them, the home links to scanning`, async () => {
		await page.locator('body[data-ready]').waitFor({ state: 'attached' });
		return (await text('#who')).includes(env.KEEPER) && await page.locator('#home-links a[href="scan.html"]').count() === 1 &&
			await page.locator('#signout').isVisible();
	});
	await check('the home page fits a phone\'s width', noSideScroll);
	await shot('index');

	await open('/scan.html');
	await check('the scan page opens with the focus in the scanner input', async () => {
		await page.locator('#wedge').waitFor();
		return page.evaluate(() => document.activeElement && document.activeElement.id === 'wedge');
	});
	// A keyboard-wedge scanner types the payload and Enter into whatever has the focus.
	await page.keyboard.type(env.PAYLOAD1);
	await page.keyboard.press('Enter');
	await check(`the scanned label resolves to ${env.ID1}, in the depot, with its readiness`, async () => {
		await page.locator('#asset-h', { hasText: env.ID1 }).waitFor();
		return (await text('[data-field=state]')) === '在库' && await page.locator('#ready').count() === 1;
	});
	await page.click('button[data-action=checkout]');
	await page.fill('#act-holder', '第一小队');
	await page.selectOption('#act-purpose', 'drill');
	await page.click('#action-form button[type=submit]');
	await check('checking it out for a drill answers with the new log entry', async () => {
		await page.locator('#action-msg.ok').waitFor();
		return /已完成：借出，日志条目 \d+/.test(await text('#action-msg'));
	});
	await check('... the asset is now checked out to 第一小队', async () =>
		(await text('[data-field=state]')) === '借出' && (await text('[data-field=holder]')) === '第一小队');
	await check('... and the history starts with the new custody step, signed by the keeper, signature valid', async () => {
		const row = page.locator('#history tbody tr').first();
		return (await row.getAttribute('data-type')) === 'custody.checkout' && /\bnew\b/.test(await row.getAttribute('class')) &&
			(await row.innerText()).includes(env.KEEPER) && (await row.innerText()).includes('有效');
	});
	await check('... and the focus is back in the scanner input for the next label', () =>
		page.evaluate(() => document.activeElement && document.activeElement.id === 'wedge'));
	await check('the scan page fits a phone\'s width', noSideScroll);
	await shot('scan');

	// The label's URL, as a phone's camera app opens it, lands on the asset page.
	await page.goto(B + '/t/' + env.PAYLOAD1.split('/t/')[1]);
	await check(`the label's URL (/t/…) opens asset.html?id=${env.ID1} with the checkout in its history`, async () => {
		await page.waitForURL(u => u.pathname === '/asset.html' && u.searchParams.get('id') === env.ID1);
		await page.locator('#history').waitFor();
		return (await page.locator('#history tbody tr').first().getAttribute('data-type')) === 'custody.checkout';
	});
	await page.click('button[data-action=return]');
	await check('one tap returns it: in the depot again, the return on top of its history', async () => {
		await page.locator('#action-msg.ok').waitFor();
		return (await text('[data-field=state]')) === '在库' &&
			(await page.locator('#history tbody tr').first().getAttribute('data-type')) === 'custody.return';
	});
	await shot('asset');

	// The camera: a video stream of the second printed label (no camera here), decoded in the page.
	const png = fs.readFileSync(env.LABEL2).toString('base64');
	await page.addInitScript(b64 => {
		if (!navigator.mediaDevices)
			return;
		navigator.mediaDevices.getUserMedia = async () => {
			const img = new Image();
			img.src = 'data:image/png;base64,' + b64;
			await img.decode();
			const c = document.createElement('canvas');
			c.width = img.width + 64;
			c.height = img.height + 64;
			const g = c.getContext('2d');
			const draw = () => {
				g.fillStyle = '#fff';
				g.fillRect(0, 0, c.width, c.height);
				g.drawImage(img, 32, 32);
			};
			draw();
			setInterval(draw, 100); // a canvas stream sends frames as the canvas is drawn
			return c.captureStream(10);
		};
	}, png);
	await open('/scan.html');
	await page.click('#camera');
	const native = await page.evaluate(() => 'BarcodeDetector' in window);
	await check(`the camera scans the second label (${native ? 'BarcodeDetector' : 'the bundled jsQR'}) and opens ${env.ID2}`, async () => {
		await page.locator('#asset-h', { hasText: env.ID2 }).waitFor({ timeout: 30000 });
		return native || await page.evaluate(() => typeof window.jsQR === 'function');
	});

	// English and back; the choice is kept.
	await page.click('#lang');
	await check('the language switch turns the page into English, header included', async () =>
		(await page.getAttribute('html', 'lang')) === 'en' && (await text('#wedge-h')) === 'Scan or type' &&
		(await text('#top nav a[href="scan.html"]')) === 'Scan' && (await text('[data-field=state]')) === 'in depot');
	await page.reload();
	await check('... and it is remembered (localStorage muster.lang)', async () => {
		await page.locator('#wedge-h').waitFor();
		return (await text('#wedge-h')) === 'Scan or type' && await page.evaluate(() => localStorage.getItem('muster.lang')) === 'en';
	});
	await page.click('#lang');
	await check('... and back to Chinese', async () => (await page.getAttribute('html', 'lang')) === 'zh-CN' && (await text('#wedge-h')) === '扫描或输入');

	await open('/depot.html');
	await check('the depot page shows the readiness rate, assets by state and overdue inspections', async () => {
		await page.locator('#ready-table').waitFor();
		await page.locator('#states button').first().waitFor();
		await page.locator('#overdue-table, #overdue p').first().waitFor();
		return await page.locator('#ready-table li').count() > 0 && await page.locator('#states button').count() === 7;
	});
	await page.selectOption('#depot', { index: 1 });
	await page.click('#labels');
	await check('a label sheet is made as a job with a progress bar, then offered as a PDF to download', async () => {
		await page.locator('#labels-job progress').waitFor();
		const a = page.locator('#labels-job a.file');
		await a.waitFor({ timeout: 60000 });
		const href = await a.getAttribute('href');
		const head = await page.evaluate(async u => new TextDecoder().decode((await (await fetch(u)).arrayBuffer()).slice(0, 5)), href);
		return /^\/api\/v1\/jobs\/[^/]+\/files\/labels-.*\.pdf$/.test(href) && head === '%PDF-';
	});
	// An inventory count: started on the depot page, a label scanned into it on the scan page, seen matched.
	const depot1 = await page.evaluate(async id => (await (await fetch('/api/v1/assets/' + encodeURIComponent(id))).json()).depot, env.ID1);
	await page.selectOption('#depot', depot1);
	await page.fill('#count-id', 'PD-WEB-1');
	await page.click('#count-start');
	await check(`an inventory count is started in ${depot1}`, async () => {
		await page.locator('#count-msg.ok').waitFor();
		await page.locator('#count dl').waitFor();
		return /进行中/.test(await text('#count'));
	});
	await shot('depot');
	await open('/scan.html');
	await page.locator('#wedge').waitFor();
	await page.keyboard.type(env.PAYLOAD1);
	await page.keyboard.press('Enter');
	await page.locator('button[data-action=count]').click();
	await check('on the scan page one tap counts the scanned asset into it', async () => {
		await page.locator('#action-msg.ok').waitFor();
		return (await page.locator('#history tbody tr').first().getAttribute('data-type')) === 'count.scan';
	});
	await open('/depot.html');
	await page.locator('#count-id').waitFor();
	await page.fill('#count-id', 'PD-WEB-1');
	await page.click('#count-form button[type=submit]');
	await check('... and the count shows it matched, the rest of the depot missing', async () => {
		await page.locator('#count dl').waitFor();
		return /相符\s*1\b/.test(await text('#count dl')) && /缺少 \d+ 件/.test(await text('#count'));
	});
	await signOut();
	await check('signing out leaves the sign-in form; the session is gone', async () =>
		(await page.evaluate(async () => (await fetch('/api/v1/session')).status)) === 401);

	// ---- HR ------------------------------------------------------------------------------
	await signIn(env.HR, env.PASSPHRASE);
	await page.locator('#home-links a[href="people.html"]').waitFor();
	await open('/people.html');
	await check(`HR (${env.HR}) sees who can deploy today and why the others cannot`, async () => {
		await page.locator('#ready-summary').waitFor();
		return /\d+ 人中 \d+ 人可出动/.test(await text('#ready-summary')) &&
			await page.locator('#deployable tbody tr').count() > 0 && await page.locator('#not-deployable tbody tr').count() > 0;
	});
	await check('... the due list and the deployments', async () => {
		await page.locator('#due-table').waitFor();
		await page.locator('#deploy-table').waitFor();
		return await page.locator('#deploy-table tbody tr').count() > 0;
	});
	await page.locator('#not-deployable a.person-link').first().click();
	await check('... a person\'s certificates and exams, with the form to record an exam', async () => {
		await page.locator('#person-name').waitFor();
		return await page.locator('#certs tbody tr').count() > 0 && await page.locator('#exam-form').count() === 1;
	});
	await shot('people');
	await signOut();

	// ---- an auditor ----------------------------------------------------------------------
	await signIn(env.AUDITOR, env.PASSPHRASE);
	await page.locator('#home-links a[href="audit.html"]').waitFor();
	await open('/audit.html');
	await check('the auditor sees spending by fund as an SVG bar chart, in yuan', async () => {
		await page.locator('#chart-fund svg rect.bar').first().waitFor();
		return await page.locator('#chart-fund svg rect.bar').count() > 0 && /¥[\d,]+\.\d\d/.test(await page.locator('#chart-fund svg').textContent());
	});
	await check('... and the findings, each with its evidence', async () => {
		await page.locator('#findings-table').waitFor();
		const first = page.locator('#findings-table a.evidence').first();
		return await page.locator('#findings-table tbody tr').count() > 0 && /^\/api\/v1\/cmd\/audit\/evidence\?args=/.test(await first.getAttribute('href'));
	});
	await check('... and the budget against actual', async () => await page.locator('#budget-table tbody tr').count() > 0);
	await page.click('#verify');
	await check('verifying the log runs as a job with a progress bar and says it verified', async () => {
		await page.locator('#verify-job progress').waitFor();
		await page.locator('#verify-msg.ok').waitFor({ timeout: 60000 });
		return /校验通过：\d+ 条目/.test(await text('#verify-msg'));
	});
	await shot('audit');

	await open('/reports.html');
	await page.locator('#plugins input[value=national]').check();
	await page.click('#run');
	await check('a province report is made as a job: the file and its .minisig to download', async () => {
		await page.locator('#report-job a.file').nth(1).waitFor({ timeout: 60000 });
		const names = await page.locator('#report-job a.file').allInnerTexts();
		return names.length === 2 && names.some(x => /^national-\d{4}-\d\d\.json$/.test(x)) && names.some(x => x.endsWith('.json.minisig'));
	});
	await shot('reports');

	ok(errors.length === 0, 'no page logged a script error or a CSP violation', errors.join('\n'));
	ok(foreign.length === 0, 'no page asked anything of another server', foreign.join('\n'));
} catch (e) {
	ok(false, 'the browser run went to the end', e.stack || e.message);
	await ctx.close().catch(() => {});
	finish(1);
}
await ctx.close();
finish(0);
