# Predictions and their variance pieces from lme4, for tests/test_predict.py.
# Run in a folder holding <data>.csv for each spec (see ../write_data.py):
#   Rscript make_prediction_reference.R specs.json OUTDIR
suppressMessages({library(lme4); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
specs <- fromJSON(args[1], simplifyVector = FALSE)
outdir <- args[2]

load_data <- function(s) {
  d <- read.csv(paste0(s$data, ".csv"), stringsAsFactors = TRUE, na.strings = c("NA", ""))
  for (f in unlist(s$factors)) d[[f]] <- factor(d[[f]])
  d
}

new_frame <- function(s, d) {
  nd <- as.data.frame(lapply(s$newdata, unlist), stringsAsFactors = FALSE)
  for (v in names(nd)) {
    if (v %in% unlist(s$factors)) nd[[v]] <- as.character(nd[[v]])      # grouping codes; new ones allowed
    else if (is.factor(d[[v]])) nd[[v]] <- factor(nd[[v]], levels = levels(d[[v]]))
  }
  nd
}

# One random term's piece of the variance for each new row: z' Sigma z (the variance component)
# and, for a level seen in the fit, z' C z with C its conditional covariance (ranef condVar).
random_piece <- function(m, r, nd) {
  z <- model.matrix(as.formula(r$terms), nd)
  level <- do.call(paste, c(lapply(unlist(r$vars), function(v) as.character(nd[[v]])), sep = ":"))
  Sigma <- as.matrix(VarCorr(m)[[r$group]])
  re <- ranef(m, condVar = TRUE)[[r$group]]
  post <- attr(re, "postVar")
  known <- level %in% rownames(re)
  zSz <- rowSums((z %*% Sigma) * z)
  zCz <- rep(NA_real_, nrow(nd))
  for (i in which(known)) {
    C <- post[, , match(level[i], rownames(re))]
    C <- matrix(C, ncol(z), ncol(z))
    zCz[i] <- drop(t(z[i, ]) %*% C %*% z[i, ])
  }
  list(group = r$group, level = level, known = known, z = unname(z), Sigma = unname(Sigma),
       zSz = unname(zSz), zCz = unname(zCz))
}

for (s in specs) {
  d <- load_data(s)
  m <- suppressMessages(suppressWarnings(lmer(as.formula(s$formula), data = d, REML = TRUE)))
  nd <- new_frame(s, d)
  tt <- delete.response(terms(m, fixed.only = TRUE))
  xlev <- lapply(Filter(is.factor, model.frame(m)[intersect(all.vars(tt), names(model.frame(m)))]), levels)
  mf <- model.frame(tt, nd, xlev = xlev)
  X <- model.matrix(tt, mf, contrasts.arg = attr(getME(m, "X"), "contrasts"))
  off <- model.offset(mf)                                           # offset(...) terms of the formula
  if (is.null(off)) off <- rep(0, nrow(nd))
  V <- as.matrix(vcov(m))
  xVx <- rowSums((X %*% V) * X)
  pred_none <- unname(predict(m, nd, re.form = NA))
  stopifnot(max(abs(drop(X %*% fixef(m)) + off - pred_none)) < 1e-8)    # our X (and offset) are lme4's
  pred_all <- unname(predict(m, nd, allow.new.levels = TRUE))
  pieces <- lapply(s$random, random_piece, m = m, nd = nd)
  names(pieces) <- sapply(pieces, `[[`, "group")
  s2 <- sigma(m)^2
  # A term in re.form adds z'Cz for a known level, z'Sigma z for a new one (its mean is unknown);
  # a term left out adds z'Sigma z to a prediction interval only.
  variance <- function(groups, prediction) {
    v <- xVx
    for (p in pieces) {
      if (p$group %in% groups) v <- v + ifelse(p$known, p$zCz, p$zSz)
      else if (prediction) v <- v + p$zSz
    }
    if (prediction) v + s2 else v
  }
  all_groups <- names(pieces)
  out <- list(id = s$id, formula = s$formula, data = s$data, lme4 = as.character(packageVersion("lme4")),
    newdata = s$newdata, fixef_names = colnames(X), X = unname(X), offset = unname(off), vcov = unname(V), xVx = unname(xVx),
    sigma = sigma(m), pieces = unname(pieces),
    predict = list(all = pred_all, none = pred_none),
    se = list(all = list(confidence = sqrt(variance(all_groups, FALSE)), prediction = sqrt(variance(all_groups, TRUE))),
              none = list(confidence = sqrt(variance(character(0), FALSE)), prediction = sqrt(variance(character(0), TRUE)))))
  if (!is.null(s$re_form)) {
    groups <- unlist(s$re_form_groups)
    out$re_form <- s$re_form
    out$predict$partial <- unname(predict(m, nd, re.form = as.formula(s$re_form), allow.new.levels = TRUE))
    out$se$partial <- list(confidence = sqrt(variance(groups, FALSE)), prediction = sqrt(variance(groups, TRUE)))
  }
  write(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), file.path(outdir, paste0(s$id, ".json")))
  cat(s$id, "ok\n")
}
