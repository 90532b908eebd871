/** Algorithm defaults, in one place. */

/** pga / local-sgd: iterations between exact global averages when none is given. */
export const DEFAULT_GLOBAL_AVG_PERIOD = 8;
/** Gossip rounds per iteration. */
export const DEFAULT_ROUNDS = 1;
/** Local heavy-ball momentum of dsgd / pga (0 = off). */
export const DEFAULT_MOMENTUM = 0;
/** The algorithm `init()` runs when neither the launcher nor the script names one. */
export const DEFAULT_ALGORITHM = 'dsgd';
/** DiLoCo's outer Nesterov step (arXiv 2311.08105): the defaults of --outer-optimizer nesterov. */
export const DILOCO_OUTER_LR = 0.7;
export const DILOCO_OUTER_MOMENTUM = 0.9;
