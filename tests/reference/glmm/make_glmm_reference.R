# Reference fits of generalized linear mixed models by lme4's glmer, one JSON (and its printed summary)
# per model in specs.json. Run in the directory where data.py wrote the CSV files:
#   Rscript make_glmm_reference.R specs.json OUTDIR [ID ...]
# (with IDs, only those models are fitted again). A spec's "refits": [seed, ...] adds, per seed, the response
# simulate(m, seed = seed) draws from the fit and glmer's refit(m, newresp = y) of it (lme4's bootstrap step).
suppressMessages({library(lme4); library(jsonlite)})
options(width = 80)
args <- commandArgs(trailingOnly=TRUE)
specs <- fromJSON(args[1], simplifyVector=FALSE)
outdir <- args[2]
only <- args[-(1:2)]
if (length(only)) specs <- Filter(function(s) s$id %in% only, specs)
factors <- list(cbpp=c("herd", "period"), grouseticks=c("INDEX", "BROOD", "YEAR", "LOCATION"), ohio="id",
                Contraception=c("woman", "district"), VerbAgg="id")
load_data <- function(s) {
  d <- read.csv(paste0(s$data, ".csv"), stringsAsFactors=TRUE, na.strings=c("NA", ""))
  for (f in factors[[s$data]]) d[[f]] <- factor(d[[f]])
  d
}
for (s in specs) {
  d <- load_data(s)
  env <- new.env(); assign(s$data, d, envir=env)
  link <- if (is.null(s$link)) NULL else s$link
  fam <- if (is.null(link)) as.name(s$family) else call(s$family, link=link)
  nagq <- if (is.null(s$nAGQ)) 1L else as.integer(s$nAGQ)
  call <- substitute(glmer(F, data=D, family=FAM, nAGQ=A), list(F=as.formula(s$formula), D=as.name(s$data), FAM=fam, A=nagq))
  if (!is.null(s$weights)) call$weights <- as.name(s$weights)
  if (!is.null(s$offset)) call$offset <- as.name(s$offset)
  warns <- character()
  fitit <- function() withCallingHandlers(suppressMessages(eval(call, env)),
    warning=function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  times <- numeric()
  for (r in 1:3) { t0 <- Sys.time(); m <- fitit(); times <- c(times, as.numeric(difftime(Sys.time(), t0, units="secs"))) }
  sm <- summary(m)
  co <- coef(sm)
  vc <- as.data.frame(VarCorr(m))
  re <- ranef(m, condVar=TRUE)
  ranefs <- list()
  for (g in names(re)) {
    r <- re[[g]]; pv <- attr(r, "postVar")
    terms <- list()
    for (j in seq_along(colnames(r))) {
      sds <- if (is.list(pv)) NA else sqrt(pv[j, j, ])
      terms[[colnames(r)[j]]] <- list(levels=rownames(r), mode=unname(r[[j]]), condsd=unname(sds))
    }
    ranefs[[g]] <- terms
  }
  pr <- residuals(m, type="pearson")
  # Profile intervals of the fixed effects, where the spec asks (they take a while).
  prof <- if (isTRUE(s[["profile"]])) { ci <- suppressMessages(confint(m, parm="beta_", method="profile"))
    list(names=rownames(ci), lower=unname(ci[, 1]), upper=unname(ci[, 2])) } else NULL
  # Where lme4's profile() stops (ohio: "profiling detected new, lower deviance", glmer's optimum being inexact
  # by its mode tolerance), the same profile by hand: for each fixed effect, glmer refitted with that
  # coefficient held at a value (its column as an offset) and the modes solved to 1e-10, and uniroot on
  # the deviance's rise to qnorm(0.975)^2 above the minimum.
  if (isTRUE(s[["profile_offset"]])) {
    # 1e-13 made some of these fits' step halving fail; so did glmer's first (nAGQ = 0) stage with the intercept
    # held 2.5 SEs low, which this starts from the fit's theta instead
    tight <- glmerControl(tolPwrss=1e-10, nAGQ0initStep=FALSE)
    X <- getME(m, "X"); fr <- model.frame(m); gname <- names(m@flist)[1]
    held <- function(j, v) {
      dd <- data.frame(y=fr[[1]], g=fr[[gname]], off=v * X[, j]); dd$Xo <- X[, -j, drop=FALSE]
      -2 * as.numeric(logLik(suppressWarnings(glmer(y ~ 0 + Xo + offset(off) + (1 | g), dd, family=family(m),
                                                      nAGQ=nagq, control=tight, start=list(theta=getME(m, "theta"))))))
    }
    mt <- eval(update(m, control=tight, evaluate=FALSE), env); dmin <- -2 * as.numeric(logLik(mt)); est <- fixef(mt); se <- sqrt(diag(vcov(mt)))
    cut <- qnorm(0.975)^2
    lims <- t(sapply(seq_along(est), function(j) {
      f <- function(v) held(j, v) - dmin - cut
      c(uniroot(f, c(est[j] - 3 * se[j], est[j]), tol=1e-7)$root, uniroot(f, c(est[j], est[j] + 3 * se[j]), tol=1e-7)$root)
    }))
    prof <- list(names=names(est), lower=unname(lims[, 1]), upper=unname(lims[, 2]), method="offset refits")
  }
  # The same fixed part without the random terms, by glm (the no-groups baseline).
  gcall <- substitute(glm(F, data=D, family=FAM), list(F=lme4::nobars(as.formula(s$formula)), D=as.name(s$data), FAM=fam))
  if (!is.null(s$weights)) gcall$weights <- as.name(s$weights)
  g <- suppressWarnings(eval(gcall, env))
  gco <- coef(summary(g))
  glm_res <- list(names=rownames(gco), estimate=unname(gco[, 1]), se=unname(gco[, 2]), z=unname(gco[, 3]),
                  logLik=as.numeric(logLik(g)), AIC=AIC(g))
  # An adaptive-quadrature fit's deviance function at its estimates with the modes solved to 1e-13 (glmer
  # stops its mode iterations at a relative change of 1e-7, which moves ohio's nAGQ = 9 deviance by 4e-4).
  tight <- if (nagq > 1) eval(update(m, devFunOnly=TRUE, control=glmerControl(tolPwrss=1e-13), evaluate=FALSE),
    env)(c(getME(m, "theta"), fixef(m))) else NULL
  refits <- lapply(s$refits, function(seed) {
    y <- simulate(m, seed=seed)[[1]]
    r <- suppressMessages(suppressWarnings(refit(m, newresp=y)))
    rco <- coef(summary(r))
    list(seed=seed, y=y, theta=unname(getME(r, "theta")), estimate=unname(rco[, 1]), se=unname(rco[, 2]),
         variance=as.data.frame(VarCorr(r))$vcov, logLik=as.numeric(logLik(r)))
  })
  res <- list(id=s$id, data=s$data, formula=s$formula, family=s$family, link=family(m)$link, nAGQ=nagq,
    lme4=as.character(packageVersion("lme4")), nobs=nobs(m), ngroups=as.list(sapply(m@flist, nlevels)),
    fixef=list(names=rownames(co), estimate=unname(co[, 1]), se=unname(co[, 2]), z=unname(co[, 3]), p=unname(co[, 4])),
    vcov=unname(as.matrix(vcov(m))),
    varcorr=list(grp=vc$grp, var1=vc$var1, var2=vc$var2, vcov=vc$vcov, sdcor=vc$sdcor),
    theta=unname(getME(m, "theta")), singular=isSingular(m),
    logLik=as.numeric(logLik(m)), AIC=AIC(m), BIC=BIC(m), deviance=unname(sm$AICtab["deviance"]),
    deviance_glmer=deviance(m), npar=attr(logLik(m), "df"), df_resid=df.residual(m),
    ranef=ranefs, fitted_head=unname(head(fitted(m), 10)), eta_head=unname(head(predict(m), 10)),
    eta_fixed_head=unname(head(predict(m, re.form=NA), 10)),
    scaled_resid_quantiles=unname(quantile(residuals(m, type="pearson", scaled=TRUE))),
    pearson_chisq=sum(pr^2), warnings=unique(warns), glm=glm_res, profile=prof, refits=refits, deviance_tight_modes=tight,
    lme4_fit_seconds=median(times), lme4_fit_seconds_all=times)
  writeLines(capture.output(print(sm)), file.path(outdir, paste0(s$id, ".summary.txt")))
  write(toJSON(res, auto_unbox=TRUE, digits=NA, na="null", pretty=TRUE), file.path(outdir, paste0(s$id, ".json")))
  cat(s$id, "ok", median(times), "\n")
}
