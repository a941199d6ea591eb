suppressMessages(library(jsonlite))
outdir <- commandArgs(trailingOnly=TRUE)[1]
sci <- read.csv("science.csv", stringsAsFactors=TRUE, na.strings=c("NA",""))
m <- lm(like ~ sex + PrivPub, data=sci); s <- summary(m); co <- coef(s)
res <- list(id="science_ols", data="science", formula="like ~ sex + PrivPub", REML=NULL, R=as.character(getRversion()),
  nobs=nobs(m), n_dropped=length(m$na.action),
  fixef=list(names=rownames(co), estimate=unname(co[,1]), se=unname(co[,2]), t=unname(co[,3]), p=unname(co[,4])),
  sigma=s$sigma, df_residual=m$df.residual, r_squared=s$r.squared, adj_r_squared=s$adj.r.squared,
  fstatistic=unname(s$fstatistic), logLik=as.numeric(logLik(m)), AIC=AIC(m), BIC=BIC(m))
write(toJSON(res, auto_unbox=TRUE, digits=NA, null="null", pretty=TRUE), file.path(outdir, "science_ols.json"))
