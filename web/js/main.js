// Wiring only: the views (js/views/) and the flows that connect them to the worker — the page's state
// and refresh (app.js), training (training.js), what is kept in this browser (persist.js), the worker's
// life (lifecycle.js) and the lab (lab-controller.js). Python's worker was started by early.js — unless
// the page is the lab alone (?embed=lab), which needs only the lab's own worker.

import { App } from "./app.js";
import { pagePythonNeeded, takeWorker } from "./early.js";
import { exposeHooks } from "./hooks.js";
import { LabController } from "./lab-controller.js";
import { Lifecycle } from "./lifecycle.js";
import { Persistence } from "./persist.js";
import { EVENT, REQUEST } from "./protocol.js";
import { RestartableWorker } from "./restartable.js";
import { saveFile } from "./save.js";
import { Training } from "./training.js";
import { ConfusionView } from "./views/confusion.js";
import { CurvesView } from "./views/curves.js";
import { DrawView } from "./views/draw.js";
import { FeatureMapsView } from "./views/feature-maps.js";
import { GradcheckView } from "./views/gradcheck.js";
import { HiddenUnitsView } from "./views/hidden-units.js";
import { ModelView } from "./views/model.js";
import { PresetsView } from "./views/presets.js";
import { ProgressView } from "./views/progress.js";
import { SaturationView } from "./views/saturation.js";
import { SpeedView } from "./views/speed.js";
import { StatusView } from "./views/status.js";
import { StepperView } from "./views/stepper.js";
import { StripView } from "./views/strip.js";
import { TrainFormView } from "./views/train-form.js";
import { FIELDS, toQuery } from "./state.js";
import { Teaching } from "./teach.js";
import { LayoutView } from "./views/layout.js";
import { LessonView } from "./views/lesson.js";
import { ShareView } from "./views/share.js";

const pagePython = pagePythonNeeded(location.search); // false: the lab alone, in an embed
const client = new RestartableWorker(new URL("./worker.js", import.meta.url), {
  onDeath: (reason, message) => lifecycle.died(reason, message), first: takeWorker(), lazy: !pagePython,
});
const ask = (type, args, transfer) => client.request(type, args, transfer);
const which = () => app.which;

const views = {
  status: new StatusView(),
  progress: new ProgressView(),
  saturation: new SaturationView(),
  speed: new SpeedView(),
  curves: new CurvesView({
    onChange: (runs) => { views.saturation.update(runs); views.speed.update(runs); persistence.saveSoon(); },
  }),
  form: new TrainFormView({
    onTrain: (params) => training.train(params), onStop: () => training.stop(), onStep: (params) => training.step(params),
    onPair: (params, vary, value) => training.trainPair(params, vary, value),
  }),
  model: new ModelView({ onChoose: (w) => app.choose(w), onFile: loadFile, onDownload: download }),
  strip: new StripView({ onPage: (start) => app.showStrip(start) }),
  draw: new DrawView({
    predict: ({ ink, width, height }) => ask(REQUEST.PREDICT_DRAWING, { which: which(), data: ink, width, height }, [ink.buffer]),
    predictTestDigit: (index) => ask(REQUEST.PREDICT_TEST_DIGIT, { which: which(), index }),
  }),
  hidden: new HiddenUnitsView({ unitDetail: (unit) => ask(REQUEST.UNIT_DETAIL, { which: which(), unit }) }),
  featureMaps: new FeatureMapsView({ featureMaps: ({ index }) => ask(REQUEST.FEATURE_MAPS, { which: which(), index }) }),
  stepper: new StepperView({
    trace: (args) => ask(REQUEST.TRACE, { which: which(), ...args }),
    trialStep: (args) => ask(REQUEST.TRIAL_STEP, { which: which(), ...args }),
  }),
  gradcheck: new GradcheckView({
    check: (choice) => ask(REQUEST.GRADCHECK, {
      which: which(), ...views.stepper.selection(), cost: views.stepper.cost.value || null, ...choice,
      n: views.form.trainingDigits() }),
  }),
  presets: new PresetsView({
    useData: (name) => training.switchData(name),
    result: (key, evalAccuracy) => ask(REQUEST.PRESET_RESULT, { key, eval_accuracy: evalAccuracy }),
    speedAtStart: (params, seeds) => ask(REQUEST.SPEED_AT_START, { params, seeds }),
    fill: (params) => views.form.fill(params),
    setPair: (vary, value) => views.form.setPair(vary, value),
  }),
  layout: new LayoutView(),
  lesson: new LessonView({ onCheck: (lesson, answer) => teach.check(lesson, answer) }),
  confusion: new ConfusionView({
    cell: (trueLabel, predicted) => ask(REQUEST.CONFUSION_CELL, { which: which(), true_label: trueLabel, predicted }),
  }),
};

const app = new App(client, views);
const persistence = new Persistence(app);
const lifecycle = new Lifecycle(app);
const training = new Training(app, { onSave: () => persistence.saveSoon(), onRestarting: (r) => lifecycle.restarting(r) });
const lab = new LabController({ curves: views.curves, form: views.form, shows: (id) => views.layout.shows(id) });
const teach = new Teaching({ app, views, lab, loadFile });
app.shows = (id) => views.layout.shows(id);
new ShareView({ layout: views.layout, fieldNames: Object.keys(FIELDS), exercise: () => lab.view?.exercise?.key ?? null,
  settingsQuery: () => { const p = views.form.params(); return p ? toQuery(p) : ""; } });
client.on(EVENT.DATA_PROGRESS, (msg) => views.presets.showProgress(msg));
exposeHooks({ app, lab, lifecycle, persistence });

// -- model files in and out ---------------------------------------------------------------------------
async function loadFile(file) {
  views.model.showFileError("");
  if (file.size > app.maxFileBytes) {
    views.model.showFileError(`That file could not be used: it is ${(file.size / 2 ** 20).toFixed(1)} MB; the page ` +
      `accepts model files up to ${Math.floor(app.maxFileBytes / 2 ** 20)} MB. The current network is kept.`);
    return;
  }
  try {
    const text = await file.text();
    await ask(REQUEST.LOAD_FILE, { text });
    app.fileText = text; // given again to a new worker after a restart
  } catch (e) {
    views.model.showFileError(`That file could not be used: ${e.message}. The current network is kept.`);
    return;
  }
  app.available.file = true;
  views.model.showFileError("");
  app.choose("file");
}

async function download() {
  const shown = app.which;
  try {
    const text = await ask(REQUEST.MODEL_JSON, { which: shown });
    const sizes = JSON.parse(text).sizes.join("-");
    const whose = { model: "shipped", conv: "shipped-conv", trained: "my-run", file: "file" }[shown];
    saveFile(new Blob([text], { type: "application/json" }), `backprop-${whose}-${sizes}.json`);
  } catch (e) {
    views.model.showFileError(`Could not download the network: ${e.message}`);
  }
}

views.form.initFromURL();
lifecycle.begin(pagePython);
views.curves.refresh();
persistence.restore();
// A lesson link lays the page out first; the lab's editor (a 350 kB bundle) then loads once the page's
// Python is ready or has failed (lab-controller.js), or sooner when the learner scrolls to it.
const laidOut = teach.start().catch((e) => console.error(e));
lab.openWhenWanted({ laidOut, settled: lifecycle.settled, opened: () => teach.labReady(), leftOut: () => teach.labLeftOut() });
