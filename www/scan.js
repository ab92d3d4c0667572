/*
 * scan.html: a label scanned by the camera (BarcodeDetector where the browser
 * has it, else the bundled jsQR) or typed by a handheld scanner into the input
 * (payload + Enter), or an asset id typed by hand, opens the asset with the
 * actions its state allows.  The focus goes back to the input after each step,
 * so a keyboard-wedge scanner can scan the next label at once.
 */
'use strict';
Muster.page(async () => {
	const {$, tx, say, el} = Muster;
	const input = $('#wedge');
	const msg = $('#scan-msg');
	const view = AssetView.create($('#asset'), {onDone: () => input.focus()});

	async function resolve(text) {
		const ref = text.trim();
		if (!ref)
			return;
		msg.replaceChildren();
		try {
			const a = await view.show(ref);
			say(msg, tx('scan.found', a.id), 'ok');
			input.value = '';
		} catch (e) {
			say(msg, e);
			input.select();
		}
		input.focus();
	}
	$('#wedge-form').addEventListener('submit', ev => {
		ev.preventDefault();
		resolve(input.value);
	});
	/* A scanner typing while the focus is on no field (after a tap on a button): into the input. */
	document.addEventListener('keydown', ev => {
		const t = ev.target;
		if (ev.key.length === 1 && ev.key !== ' ' && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !t.closest('input, select, textarea, summary'))
			input.focus(); /* the key's character then lands in the input */
	});

	/* The count the scans go into (count scan), kept across pages. */
	const countInput = $('#count-id');
	Muster.openCounts(countInput);
	const showCount = () => {
		const c = AssetView.currentCount();
		countInput.value = c;
		$('#count-state').replaceChildren(c ? tx('scan.count_on', c) : tx('scan.count_off'));
		$('#count-box').open = !!c;
	};
	$('#count-form').addEventListener('submit', ev => {
		ev.preventDefault();
		AssetView.setCount(countInput.value.trim());
		showCount();
		const a = view.asset;
		if (a)
			view.show(a.id).catch(e => say(msg, e));
	});
	showCount();

	/* ---- the camera ---- */
	const video = $('#video');
	const camBtn = $('#camera');
	const camState = $('#camera-state');
	let stream = null;
	let detect = null;
	let using = 'scan.using_jsqr';

	async function decoder() {
		if ('BarcodeDetector' in window) {
			try {
				const formats = await BarcodeDetector.getSupportedFormats();
				if (formats.includes('qr_code')) {
					const d = new BarcodeDetector({formats: ['qr_code']});
					using = 'scan.using_native';
					return async () => {
						const codes = await d.detect(video);
						return codes.length ? codes[0].rawValue : null;
					};
				}
			} catch (e) {
				/* fall back to jsQR */
			}
		}
		using = 'scan.using_jsqr';
		if (!window.jsQR)
			await new Promise((ok, fail) => document.head.append(el('script', {src: 'vendor/jsQR.js', on: {load: ok,
				error: () => fail(new Error(Muster.t('scan.no_decoder')))}})));
		const canvas = document.createElement('canvas');
		const ctx = canvas.getContext('2d', {willReadFrequently: true});
		return async () => {
			const w = video.videoWidth, h = video.videoHeight;
			if (!w || !h)
				return null;
			const scale = Math.min(1, 800 / Math.max(w, h));
			canvas.width = Math.round(w * scale);
			canvas.height = Math.round(h * scale);
			ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
			const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
			const code = window.jsQR(img.data, img.width, img.height, {inversionAttempts: 'dontInvert'});
			return code ? code.data : null;
		};
	}

	function stop() {
		if (stream)
			for (const tr of stream.getTracks())
				tr.stop();
		stream = null;
		video.srcObject = null;
		$('#video-wrap').hidden = true;
		camBtn.replaceChildren(tx('scan.camera'));
	}

	async function loop() {
		while (stream) {
			let text = null;
			try {
				text = await detect();
			} catch (e) {
				/* a frame that could not be read */
			}
			if (text) {
				stop();
				camState.replaceChildren();
				input.value = text;
				await resolve(text);
				return;
			}
			await Muster.sleep(200);
		}
	}

	camBtn.addEventListener('click', async () => {
		if (stream) {
			stop();
			return;
		}
		if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
			camState.replaceChildren(tx('scan.no_camera'));
			return;
		}
		try {
			detect = await decoder();
			stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}, audio: false});
		} catch (e) {
			stream = null;
			camState.replaceChildren(tx('scan.camera_failed', e.message || e.name || ''));
			return;
		}
		video.srcObject = stream;
		$('#video-wrap').hidden = false;
		await video.play().catch(() => {});
		camBtn.replaceChildren(tx('scan.camera_stop'));
		camState.replaceChildren(tx(using));
		loop();
	});

	/* An id or payload in the address (scan.html?q=...) is looked up at once. */
	const q = new URLSearchParams(location.search).get('q');
	if (q) {
		input.value = q;
		await resolve(q);
	}
	input.focus();
});
