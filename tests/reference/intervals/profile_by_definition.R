# lme4 1.1-31's profile() gets weighted models wrong (its fixed-effect intervals come out about 1/80 of
# the Wald width), and its simulate() ignores prior weights, so its bootstrap does too. For weighted
# models the reference profile is computed here directly from the definition: the ML deviance
# (lme4's devfun2, which does include the weights, for the variance parameters; ML refits with
# the coefficient moved into the offset for the fixed effects), minimized over the other parameters,
# and the interval's ends where it exceeds its minimum by qchisq(level, 1).
profile_by_definition <- function(m, level = 0.95) {
  mML <- refitML(m)
  dd <- lme4:::devfun2(mML, useSc = TRUE, signames = FALSE)
  opt <- attr(dd, "optimum"); base <- attr(dd, "basedev"); cutoff <- qchisq(level, 1)
  np <- length(opt) - length(fixef(mML))
  vpar <- opt[seq_len(np)]
  labels <- rownames(confint(m, method = "Wald", oldNames = FALSE))
  is_cor <- grepl("^cor_", labels[seq_len(np)])
  is_sigma <- labels[seq_len(np)] == "sigma"
  lo <- ifelse(is_cor, -1, 0); hi <- ifelse(is_cor, 1, Inf)
  vdev <- function(i, v) {
    f <- function(p) { q <- vpar; q[i] <- v; q[-i] <- p; dd(q) }
    r <- nlminb(vpar[-i], f, lower = lo[-i], upper = hi[-i])
    r$objective - base - cutoff
  }
  X <- getME(mML, "X"); off0 <- getME(mML, "offset"); w <- weights(mML)
  y <- getME(mML, "y"); re <- lme4:::findbars(formula(mML))
  fdev <- function(j, b) {
    d <- mML@frame; d$.y <- y; d$.off <- off0 + b * X[, j]; Xo <- X[, -j, drop = FALSE]
    f <- as.formula(paste(".y ~ 0 + Xo + offset(.off) +", paste0("(", sapply(re, deparse), ")", collapse = " + ")))
    d$Xo <- Xo; d$.w <- w
    deviance(lmer(f, data = d, REML = FALSE, weights = .w)) - base - cutoff
  }
  se <- sqrt(diag(as.matrix(vcov(mML))))
  rows <- list()
  for (i in seq_len(np)) {
    g <- function(v) vdev(i, v)
    low_end <- if (is_cor[i]) -1 else if (is_sigma[i]) vpar[i] / 4 else 0
    up <- if (is_cor[i]) 1 else 3 * vpar[i]
    upper <- if (is_cor[i] && g(1) < 0) 1 else uniroot(g, c(vpar[i], up), extendInt = "upX", tol = 1e-10)$root
    lower <- if (g(low_end) < 0) low_end else uniroot(g, c(low_end, vpar[i]), tol = 1e-10)$root
    rows[[names(vpar)[i]]] <- c(lower, upper)
  }
  for (j in seq_along(fixef(mML))) {
    est <- fixef(mML)[[j]]; g <- function(b) fdev(j, b)
    rows[[names(fixef(mML))[j]]] <- c(uniroot(g, c(est - 6 * se[j], est), tol = 1e-10)$root,
                                      uniroot(g, c(est, est + 6 * se[j]), tol = 1e-10)$root)
  }
  ci <- do.call(rbind, rows)
  rownames(ci) <- labels
  list(parameter = rownames(ci), lower = unname(ci[, 1]), upper = unname(ci[, 2]))
}
