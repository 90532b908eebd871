/**
 * The few dense linear-algebra operations the topology package needs, on top
 * of ml-matrix (SVD, symmetric eigenvalues). Matrices are plain number[][].
 */
import { EigenvalueDecomposition, Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import type { Matrix } from './convention.js';

export function zeros(n: number, m: number = n): Matrix {
  return Array.from({ length: n }, () => new Array<number>(m).fill(0));
}

export function identity(n: number): Matrix {
  const I = zeros(n);
  for (let i = 0; i < n; i++) (I[i] as number[])[i] = 1;
  return I;
}

/** A * B for dense square or rectangular matrices. */
export function multiply(A: Matrix, B: Matrix): Matrix {
  return new MlMatrix(A).mmul(new MlMatrix(B)).to2DArray();
}

/** W - (1/n) 1 1^T. */
export function minusAverage(W: Matrix): Matrix {
  const n = W.length;
  return W.map((row) => row.map((w) => w - 1 / n));
}

/** Largest singular value ||A||_2. */
export function spectralNorm(A: Matrix): number {
  const svd = new SingularValueDecomposition(new MlMatrix(A), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return Math.max(...svd.diagonal);
}

/** Eigenvalues of a symmetric matrix, ascending. */
export function symmetricEigenvalues(A: Matrix): number[] {
  const evd = new EigenvalueDecomposition(new MlMatrix(A), { assumeSymmetric: true });
  return [...evd.realEigenvalues].sort((a, b) => a - b);
}

/** Eigen-decomposition of a general square matrix: real and imaginary parts, and eigenvectors as columns. */
export function eigen(A: Matrix): { real: number[]; imaginary: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(new MlMatrix(A));
  return {
    real: [...evd.realEigenvalues],
    imaginary: [...evd.imaginaryEigenvalues],
    vectors: evd.eigenvectorMatrix.to2DArray(),
  };
}

/** A^T. */
export function transpose(A: Matrix): Matrix {
  const n = A.length;
  const m = n === 0 ? 0 : (A[0] as number[]).length;
  const T = zeros(m, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) (T[j] as number[])[i] = (A[i] as number[])[j] as number;
  return T;
}

/** y = A x. */
export function apply(A: Matrix, x: readonly number[]): number[] {
  return A.map((row) => row.reduce((s, a, j) => s + a * (x[j] as number), 0));
}
