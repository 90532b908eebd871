/**
 * Combine and adapt in parallel: the `overlap` option of dsgd and pga.
 *
 *   x_i(k+1) = sum_{j in N_i} w_ij(k) x_j(k) - gamma g_i(x_i(k))
 *   i.e.  X(k+1) = W(k) X(k) - gamma G(X(k))
 *
 * Seed 001 (Lecture 13-2) gives DSGD as a local update followed by partial
 * averaging of the half-step (adapt-then-combine, dsgd.ts) and notes that
 * DSGD rests on the partial average x_i(k+1) = sum_j w_ij x_j(k). Seed 002
 * (Jameel et al., Sec. 2) states the form used here, the D-PSGD of Lian et
 * al. it cites: each worker averages its neighbours' models and applies its
 * local gradient, both taken at x(k). Neither term needs the other, so the
 * exchange of x(k) is started before g_i(x_i(k)) is computed and completed
 * after it. With momentum beta the local term is gamma m_i, m_i <- beta m_i
 * + g_i; with rounds R the mixing is W^R; on pga's global-average
 * iterations the step stays adapt-then-combine with a blocking allreduce.
 *
 * What overlaps. beforeGradient(k) reads x(k) into a buffer that belongs to
 * the exchange until it resolves (the transport sends it zero-copy, and a
 * write while a frame is in flight corrupts it), and starts the exchange;
 * the optimizer then yields one event-loop turn, in which every lane queues
 * its chunk to ZeroMQ. With the communicator's defaults (comm/constants.ts:
 * 8 lanes of 2^20 floats) that is the first 8 chunks, 32 MiB or 8,388,608
 * parameters, per out-peer, handed over before any needs an acknowledgement
 * (ZeroMQ's high-water mark counts messages and the link's in-flight budget
 * is 256 MiB, so neither holds them back). While the gradient runs,
 * synchronously on the JS thread, libzmq's I/O thread puts those bytes on
 * the wire and reads the peers' frames into its own memory: the transfer
 * overlaps. What needs the JS thread waits for the gradient to finish:
 * taking received frames off the socket, sending and receiving the
 * acknowledgements, the in-place combine, and, for models over 8 chunks,
 * every later chunk (a lane starts its next chunk only after the previous
 * one was acknowledged). step(k) waits for that rest; only the wait counts
 * as communication time (train/gossip.ts).
 */
import { TrainError } from '../errors.js';
import { createHeavyBall } from './heavy-ball.js';
import { createOuterStep } from './outer.js';
import { mergeStates } from './vec.js';
import type {
  Algorithm,
  AlgorithmName,
  AlgorithmSetup,
  CombineRule,
  GossipComm,
  LocalModel,
  PendingExchange,
} from './types.js';

/** Gossip iterations of `combine` in the parallel form; 'global' and 'none' iterations as in adapt-then-combine. */
export function createOverlapped(name: AlgorithmName, setup: AlgorithmSetup, combine: CombineRule): Algorithm {
  const ball = createHeavyBall(setup.size, setup.options.momentum, name);
  const outer = setup.options.outer === undefined ? undefined : createOuterStep(setup.size, setup.options.outer, name);
  /** x(k) being exchanged: owned by the exchange from start until wait() resolves. */
  const mixed = new Float32Array(setup.size);
  const scratch = new Float32Array(setup.size);
  let pending: { k: number; exchange: PendingExchange } | undefined;

  const start = (k: number, model: LocalModel, comm: GossipComm): PendingExchange => {
    if (pending !== undefined) {
      throw new TrainError(
        'E_TRAIN_STATE',
        `${name} with overlap: the exchange started for iteration ${pending.k} was never completed (that step failed), so iteration ${k} cannot start; the ranks are out of step, start a new session`,
      );
    }
    model.read(mixed);
    const exchange = comm.startExchange(mixed, k);
    pending = { k, exchange };
    return exchange;
  };

  return {
    name,
    readsGradient: setup.options.momentum > 0,
    beforeGradient(k: number, model: LocalModel, comm: GossipComm): void {
      if (combine(k) === 'gossip') start(k, model, comm);
    },
    async step(k: number, g: Float32Array, model: LocalModel, comm: GossipComm): Promise<void> {
      const rule = combine(k);
      if (rule !== 'gossip') {
        outer?.begin(model);
        model.apply(ball.direction(g));
        if (rule === 'none') return;
        model.read(scratch);
        await comm.allreduceMean(scratch, k);
        // pga's global average ends a round: the outer step (outer.ts) when one is set.
        outer?.finish(scratch);
        model.write(scratch);
        return;
      }
      outer?.begin(model);
      // Without the hook (a caller driving step() alone) the update is the same, with no overlap.
      const exchange = pending?.k === k ? pending.exchange : start(k, model, comm);
      const direction = ball.direction(g);
      try {
        await exchange.wait();
      } finally {
        pending = undefined;
      }
      model.write(mixed);
      model.apply(direction);
    },
    state: () => mergeStates(ball.state(), outer?.state()),
    restore: (state) => {
      ball.restore(state);
      outer?.restore(state);
    },
  };
}
